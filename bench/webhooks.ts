import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { modelName, type SeedParams } from './dataset';
import type { BenchKeys } from './keys';
import type { LoadSettings } from './load';
import { median } from './report';
import { startGateway } from './server';

/** Webhook deliveries measured end to end: writes through the gateway, signed POSTs to a local receiver. */
export interface WebhookReport {
  webhooks: number;
  /** Events written (acknowledged tag writes), each delivered to every webhook. */
  events: number;
  deliveries: number;
  /** POSTs of a (webhook, event) pair received more than once (at least once: none expected here). */
  duplicates: number;
  /** From the first POST received to the last. */
  seconds: number;
  deliveriesPerSecond: number;
  /** From the event's commit (`at`) to the receiver getting its POST. */
  latencyMs: { p50: number; p99: number };
  problems: string[];
}

const WEBHOOKS = 4;

/** A receiver on 127.0.0.1 that answers 204 and notes what arrived when; nothing leaves this machine. */
async function receiver() {
  const arrivals: { hook: string; id: string; at: number; eventAt: number }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const now = Date.now();
      const eventAt = Date.parse((JSON.parse(body) as { at: string }).at);
      arrivals.push({ hook: req.url ?? '', id: String(req.headers['webhook-id']), at: now, eventAt });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  return { url, arrivals, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;

/**
 * Registers WEBHOOKS webhooks for tag writes, writes tags over `connections` concurrent clients
 * for `duration` seconds, then waits until every event reached every webhook. The gateway runs
 * with WEBHOOK_ALLOW_PRIVATE_URLS=true, which a receiver on 127.0.0.1 needs.
 */
export async function measureWebhooks(
  databaseUrl: string,
  params: SeedParams,
  keys: BenchKeys,
  settings: LoadSettings,
  log: (line: string) => void,
): Promise<WebhookReport> {
  const sink = await receiver();
  const gateway = await startGateway({
    databaseUrl,
    dataloaders: true,
    adminToken: keys.admin,
    poolSize: 10,
    env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_POLL_INTERVAL: '100ms' },
  });
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.admin}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: unknown; errors?: unknown[] };
  };
  const tag = `bench-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const names = Array.from({ length: WEBHOOKS }, (_, i) => `${tag}-${i}`);
  const problems: string[] = [];
  try {
    for (const name of names) {
      const created = await gql(`mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { name } } }`, {
        input: { name, url: `${sink.url}?hook=${name}`, actions: ['TAG_SET'] },
      });
      if (created.errors) throw new Error(`createWebhook: ${JSON.stringify(created.errors)}`);
    }
    log(`  webhooks: ${WEBHOOKS} webhooks, tag writes for ${settings.duration}s x ${settings.connections} connections`);
    let events = 0;
    let next = 0;
    const until = Date.now() + settings.duration * 1000;
    await Promise.all(
      Array.from({ length: settings.connections }, async () => {
        while (Date.now() < until) {
          const i = next++;
          const result = await gql(
            `mutation($input: SetRegisteredModelTagInput!) { setRegisteredModelTag(input: $input) { registeredModel { name } } }`,
            { input: { name: modelName(i % params.models), key: tag, value: String(i) } },
          );
          if (result.errors) problems.push(`setRegisteredModelTag: ${JSON.stringify(result.errors).slice(0, 200)}`);
          else events += 1;
        }
      }),
    );
    const expected = events * WEBHOOKS;
    const deadline = Date.now() + 120_000;
    while (sink.arrivals.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (sink.arrivals.length < expected) problems.push(`${sink.arrivals.length} of ${expected} deliveries arrived within 120 s`);
    const arrivals = sink.arrivals;
    const unique = new Set(arrivals.map((a) => `${a.hook}|${a.id}`)).size;
    const seconds = arrivals.length > 1 ? (arrivals[arrivals.length - 1].at - arrivals[0].at) / 1000 : NaN;
    const latencies = arrivals.map((a) => a.at - a.eventAt).sort((a, b) => a - b);
    return {
      webhooks: WEBHOOKS,
      events,
      deliveries: arrivals.length,
      duplicates: arrivals.length - unique,
      seconds,
      deliveriesPerSecond: arrivals.length / seconds,
      latencyMs: { p50: median(latencies), p99: percentile(latencies, 0.99) },
      problems: [...new Set(problems)].slice(0, 5),
    };
  } finally {
    for (const name of names) await gql(`mutation($name: String!) { deleteWebhook(input: { name: $name }) { deletedName } }`, { name });
    await gateway.stop();
    await sink.close();
  }
}
