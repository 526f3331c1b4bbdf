import { newToken } from '../src/db/repositories/api-key.repository';
import { freshDatabase, testProvider, type TestDatabase } from './support/databases';
import { buildGateway, startGateway, type GatewayProcess } from './support/gateway-process';
import { startReceiver, type Receiver } from './support/webhook-receiver';

// Webhooks across real gateway processes: two dispatchers sharing one PostgreSQL database, and
// a gateway killed with SIGKILL mid-delivery. Every POST goes to a receiver on 127.0.0.1.
const describePostgres = testProvider() === 'postgres' ? describe : describe.skip;

const WEBHOOK_ENV = {
  WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
  WEBHOOK_POLL_INTERVAL: '50ms',
  WEBHOOK_RETRY_DELAYS: '200ms',
  WEBHOOK_TIMEOUT: '1s',
  WEBHOOK_LEASE: '2s',
};

let main: string;
let database: TestDatabase;
let receiver: Receiver;
const token = newToken();
const running: GatewayProcess[] = [];

beforeAll(async () => {
  main = buildGateway('webhook-processes-test');
  database = await freshDatabase();
  receiver = await startReceiver();
}, 180_000);
afterAll(async () => {
  for (const g of running) g.child.kill('SIGKILL');
  await Promise.all(running.map((g) => g.exited));
  await new Promise((r) => setTimeout(r, 200));
  await receiver.close();
  await database.drop();
});

async function gateway(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const g = await startGateway(main, { DATABASE_URL: database.url, ...WEBHOOK_ENV, ...env }, token);
  running.push(g);
  return g;
}

async function createWebhook(g: GatewayProcess, name: string, actions: string[]): Promise<string> {
  const result = await g.gql<{ createWebhook: { secret: string } }>(
    `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret } }`,
    { input: { name, url: `${receiver.url}?hook=${name}`, actions } },
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.createWebhook.secret;
}

const createModel = (g: GatewayProcess, name: string) =>
  g.gql(`mutation($n: String!) { createRegisteredModel(input: { name: $n }) { registeredModel { name } } }`, { n: name });

/** The ids of the MODEL_CREATED events in the audit log, with their model names. */
async function createdEvents(g: GatewayProcess): Promise<Map<string, string>> {
  const events = new Map<string, string>();
  let after: string | null = null;
  for (;;) {
    const result: { data?: { auditEvents: { edges: { cursor: string; node: { id: string; modelName: string } }[] } } } = await g.gql(
      `query($after: String) { auditEvents(filter: { actions: ["MODEL_CREATED"] }, first: 100, after: $after) { edges { cursor node { id modelName } } } }`,
      { after },
    );
    const edges = result.data!.auditEvents.edges;
    for (const e of edges) events.set(e.node.id, e.node.modelName);
    if (edges.length < 100) return events;
    after = edges[edges.length - 1].cursor;
  }
}

/** Per event id, how many POSTs hook `name` received, each verified with its secret. */
function receivedCounts(name: string, secret: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of receiver.of(name)) {
    const { id } = receiver.verify(secret, r) as { id: string };
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

const sent = (g: GatewayProcess, status: string) => g.metric(`modelgate_webhook_deliveries_total{status="${status}"}`);

describePostgres('two gateway processes on one PostgreSQL database, both dispatching', () => {
  let a: GatewayProcess;
  let b: GatewayProcess;
  // Leases long enough that no stall of a loaded test machine outlasts one (an expired lease
  // means another process may send an attempt in flight again: at least once, not exactly once).
  beforeAll(async () => {
    a = await gateway({ WEBHOOK_TIMEOUT: '2s', WEBHOOK_LEASE: '20s' });
    b = await gateway({ WEBHOOK_TIMEOUT: '2s', WEBHOOK_LEASE: '20s' });
  }, 60_000);

  it('deliver each event once to each webhook, whichever process wrote it', async () => {
    const hooks = ['twin-1', 'twin-2', 'twin-3'];
    const secrets = await Promise.all(hooks.map((h) => createWebhook(a, h, ['MODEL_CREATED'])));
    await Promise.all(Array.from({ length: 40 }, (_, i) => createModel(i % 2 ? a : b, `twin-${i}`)));
    const events = await createdEvents(a);
    expect(events.size).toBe(40);
    await receiver.waitFor(() => hooks.every((h) => receiver.of(h).length >= 40), 30_000);
    await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show up
    for (const [i, h] of hooks.entries()) {
      const counts = receivedCounts(h, secrets[i]);
      expect([...counts.keys()].sort()).toEqual([...events.keys()].sort());
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    }
    // One attempt per delivery in all, shared between the processes' dispatchers.
    expect((await sent(a, 'SUCCEEDED')) + (await sent(b, 'SUCCEEDED'))).toBe(120);
  }, 60_000);

  it('retry only after a failure: each event fails once and arrives twice', async () => {
    const secret = await createWebhook(b, 'twin-flaky', ['MODEL_CREATED']);
    const seen = new Set<string>();
    receiver.respond = (r) => {
      if (!r.path.endsWith('hook=twin-flaky')) return 200;
      const id = String(r.headers['webhook-id']);
      if (seen.has(id)) return 200;
      seen.add(id);
      return 503;
    };
    const before = { a: await sent(a, 'FAILED'), b: await sent(b, 'FAILED') };
    await Promise.all(Array.from({ length: 20 }, (_, i) => createModel(i % 2 ? a : b, `flaky-${i}`)));
    await receiver.waitFor(() => receiver.of('twin-flaky').length >= 40, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    const counts = receivedCounts('twin-flaky', secret);
    expect(counts.size).toBe(20);
    expect([...counts.values()].every((n) => n === 2)).toBe(true);
    expect((await sent(a, 'FAILED')) - before.a + (await sent(b, 'FAILED')) - before.b).toBe(20);
    receiver.respond = () => 200;
  }, 60_000);
});

describe('a gateway killed with SIGKILL while deliveries are due and in flight', () => {
  let own: TestDatabase;
  beforeAll(async () => {
    own = await freshDatabase();
  });
  afterAll(() => own.drop());

  it('delivers every event at least once after a restart, and every acknowledged write has its event', async () => {
    // A database of its own: no other dispatcher may deliver for the killed one.
    const g = await gateway({ DATABASE_URL: own.url });
    const secret = await createWebhook(g, 'crash', ['MODEL_CREATED']);
    // A slow receiver: deliveries are in flight and more are due when the kill comes.
    receiver.respond = (r) => (r.path.endsWith('hook=crash') ? new Promise((resolve) => setTimeout(() => resolve(200), 150)) : 200);
    const acknowledged: string[] = [];
    const writes = Array.from({ length: 40 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 15));
      const result = await createModel(g, `crash-${i}`).catch(() => null);
      if (result?.data) acknowledged.push(`crash-${i}`);
    });
    await receiver.waitFor(() => receiver.of('crash').length >= 2 && acknowledged.length >= 10, 20_000);
    g.child.kill('SIGKILL');
    await Promise.all(writes);
    await g.exited;
    const receivedBeforeRestart = receiver.of('crash').length;

    receiver.respond = () => 200;
    const restarted = await gateway({ DATABASE_URL: own.url });
    const events = await createdEvents(restarted);
    // Every acknowledged write committed its event; writes cut off by the kill may or may not have.
    expect([...events.values()]).toEqual(expect.arrayContaining(acknowledged));
    expect(events.size).toBeGreaterThan(receivedBeforeRestart);
    // After the dead process's leases expire, the restarted one delivers the rest.
    await receiver.waitFor(() => [...events.keys()].every((id) => receivedCounts('crash', secret).has(id)), 30_000);
    const counts = receivedCounts('crash', secret);
    expect([...counts.keys()].sort()).toEqual([...events.keys()].sort());
    restarted.child.kill('SIGKILL');
    await restarted.exited;
  }, 90_000);
});
