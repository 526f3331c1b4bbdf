import { recordAudit } from '../src/db/repositories/audit.repository';
import { auditEvent } from '../src/domain/audit';
import { Role } from '../src/domain/roles';
import { createLogger } from '../src/http/logger';
import { codes, startApi, type TestApi } from './support/api';
import { startReceiver, type Receiver } from './support/webhook-receiver';

// Webhooks end to end: the gateway POSTs to a receiver on 127.0.0.1 (the tests allow private
// URLs for that), every delivery verified with the `standardwebhooks` package as a bot would.
const lines: string[] = [];
const logger = createLogger('trace', { write: (line: string) => void lines.push(line) });

let api: TestApi;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
  api = await startApi(
    {
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      WEBHOOK_POLL_INTERVAL: '50ms',
      WEBHOOK_RETRY_DELAYS: '300ms',
      WEBHOOK_DEAD_AFTER: '1500ms',
      WEBHOOK_TIMEOUT: '1s',
      WEBHOOK_LEASE: '3s',
      LOG_LEVEL: 'trace',
    },
    { logger },
  );
});
afterAll(async () => {
  await api.stop();
  await receiver.close();
});
beforeEach(() => {
  receiver.respond = () => 200;
});

const WEBHOOK_FIELDS = 'id name url actions modelNames active createdBy createdAt';
const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { ${WEBHOOK_FIELDS} } } }`;
const DELIVERIES = `query($name: String!, $status: [WebhookDeliveryStatus!], $first: Int, $after: String) {
  webhook(name: $name) { deliveries(status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id status attempts lastAttemptAt nextAttemptAt lastStatusCode lastError event { id action modelName } webhook { name } } } } } }`;

interface Delivery {
  id: string;
  status: string;
  attempts: number;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  event: { id: string; action: string; modelName: string | null };
  webhook: { name: string };
}
interface Payload {
  id: string;
  action: string;
  actor: string;
  modelName: string | null;
  version: number | null;
  at: string;
  details: Record<string, unknown>;
}

async function createWebhook(input: Record<string, unknown>) {
  const data = await api.data<{ createWebhook: { secret: string; webhook: Record<string, unknown> } }, unknown>(CREATE, {
    input: { url: receiver.url, ...input },
  });
  return data.createWebhook;
}

async function deliveries(name: string, status?: string[]): Promise<Delivery[]> {
  const data = await api.data<{ webhook: { deliveries: { edges: { node: Delivery }[] } } }, unknown>(DELIVERIES, {
    name,
    status,
    first: 100,
  });
  return data.webhook.deliveries.edges.map((e) => e.node);
}

const createModel = (name: string) =>
  api.data(`mutation($n: String!) { createRegisteredModel(input: { name: $n }) { registeredModel { name } } }`, { n: name });
const setTag = (name: string, key: string) =>
  api.data(
    `mutation($n: String!, $k: String!) { setRegisteredModelTag(input: { name: $n, key: $k, value: "v" }) { registeredModel { name } } }`,
    {
      n: name,
      k: key,
    },
  );

let admin: string;
beforeAll(async () => {
  admin = (await api.data<{ viewer: { name: string } }, unknown>('{ viewer { name } }')).viewer.name;
});

/** A webhook posting to `${receiver.url}?hook=<name>`; returns its secret. */
const secrets = new Map<string, string>();
async function hook(name: string, filters: { actions?: string[]; modelNames?: string[] } = {}): Promise<string> {
  const { secret } = await createWebhook({ name, url: `${receiver.url}?hook=${name}`, ...filters });
  secrets.set(name, secret);
  return secret;
}
const secretOf = (name: string) => secrets.get(name)!;

/** Waits until hook `name` received `count` POSTs; returns them verified with `secret`. */
async function payloads(name: string, secret: string, count: number): Promise<Payload[]> {
  await receiver.waitFor(() => receiver.of(name).length >= count);
  return receiver.of(name).map((r) => receiver.verify(secret, r) as Payload);
}

describe('a webhook', () => {
  it('is created by an ADMIN, with its Standard Webhooks secret shown once', async () => {
    const url = `${receiver.url}?hook=created`;
    const created = await createWebhook({ name: 'created', url });
    const { secret } = created;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.webhook).toMatchObject({ name: 'created', url, actions: [], modelNames: [], active: true, createdBy: admin });

    // Never again: the type has no secret field, and no response or audit event carries it.
    const again = await api.gql(`{ webhook(name: "created") { secret } }`);
    expect(codes(again)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const read = await api.gql(
      `{ webhooks { ${WEBHOOK_FIELDS} } node(id: "${String(created.webhook.id)}") { id ... on Webhook { name } } }`,
    );
    expect(read.data).toMatchObject({ node: { id: created.webhook.id, name: 'created' } });
    expect(JSON.stringify(read)).not.toContain(secret.slice(6));
    const audit = await api.data<{ auditEvents: { edges: { node: { action: string; details: string } }[] } }, unknown>(
      `{ auditEvents(filter: { actions: ["WEBHOOK_CREATED"] }) { edges { node { action details } } } }`,
    );
    expect(audit.auditEvents.edges).toHaveLength(1);
    expect(JSON.parse(audit.auditEvents.edges[0].node.details)).toEqual({
      webhookId: created.webhook.id,
      name: 'created',
      origin: new URL(receiver.url).origin,
      actions: [],
      modelNames: [],
      active: true,
    });
    expect(audit.auditEvents.edges[0].node.details).not.toContain(secret.slice(6));
    // Its own creation is its first event.
    const [first] = await payloads('created', secret, 1);
    expect(first).toMatchObject({ action: 'WEBHOOK_CREATED', actor: admin, modelName: null, details: { name: 'created' } });
    await api.data(`mutation { deleteWebhook(input: { name: "created" }) { deletedName } }`);
  });

  it('receives each event, signed: the standardwebhooks library verifies it, and a tampered body fails', async () => {
    const secret = await hook('signed', { modelNames: ['signed-model'] });
    await createModel('signed-model');
    const [payload] = await payloads('signed', secret, 1);
    const r = receiver.of('signed')[0];
    expect(r.headers['content-type']).toBe('application/json');
    expect(payload).toEqual({
      id: expect.any(String),
      action: 'MODEL_CREATED',
      actor: admin,
      modelName: 'signed-model',
      version: null,
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      details: expect.any(Object),
    });
    expect(r.headers['webhook-id']).toBe(payload.id);
    expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    // The event is the audit event of the same id.
    const node = await api.data<{ node: { action: string } }, unknown>(
      `query($id: ID!) { node(id: $id) { ... on AuditEvent { action } } }`,
      {
        id: payload.id,
      },
    );
    expect(node.node.action).toBe('MODEL_CREATED');

    expect(() => receiver.verify(secret, r, r.body.replace('signed-model', 'signed-modeX'))).toThrow();
    expect(() => receiver.verify('whsec_' + Buffer.alloc(32, 1).toString('base64'), r)).toThrow();

    const [delivery] = await deliveries('signed');
    expect(delivery).toMatchObject({ status: 'SUCCEEDED', attempts: 1, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect(delivery.event).toEqual({ id: payload.id, action: 'MODEL_CREATED', modelName: 'signed-model' });
    expect(delivery.webhook).toEqual({ name: 'signed' });
  });

  it('gets first attempts in commit order', async () => {
    const secret = await hook('ordered', { actions: ['TAG_SET'], modelNames: ['ordered-model'] });
    await createModel('ordered-model');
    for (let i = 0; i < 8; i++) await setTag('ordered-model', `k${i}`);
    const keys = (await payloads('ordered', secret, 8)).map((p) => p.details.key);
    expect(keys).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
  });

  it('is retried after a failing answer, with every attempt recorded, until it succeeds', async () => {
    const secret = await hook('retried', { modelNames: ['retried-model'] });
    let calls = 0;
    receiver.respond = (r) => (r.path.endsWith('hook=retried') && ++calls <= 2 ? 503 : 204);
    await createModel('retried-model');
    const got = await payloads('retried', secret, 3);
    // The same message each time: same id, each attempt signed afresh and verifiable.
    expect(new Set(got.map((p) => p.id)).size).toBe(1);
    expect(new Set(receiver.of('retried').map((r) => r.headers['webhook-id']))).toEqual(new Set([got[0].id]));
    // Backoff: the retries wait about 300 ms (±20% jitter).
    const [a, b] = receiver.of('retried');
    expect(b.at - a.at).toBeGreaterThanOrEqual(200);
    const done = await waitForDelivery('retried', (d) => d.status === 'SUCCEEDED');
    expect(done).toMatchObject({ attempts: 3, lastStatusCode: 204, lastError: null, nextAttemptAt: null });
  });

  it('is FAILED between attempts and DEAD when it still fails after the retry window, every attempt counted', async () => {
    await hook('dead', { modelNames: ['dead-model'] });
    receiver.respond = (r) => (r.path.endsWith('hook=dead') ? 500 : 200);
    await createModel('dead-model');
    const failed = await waitForDelivery('dead', (d) => d.status === 'FAILED');
    expect(failed).toMatchObject({ lastStatusCode: 500, lastError: 'HTTP 500' });
    expect(failed.nextAttemptAt).not.toBeNull();
    const dead = await waitForDelivery('dead', (d) => d.status === 'DEAD', 10_000);
    expect(dead.attempts).toBeGreaterThanOrEqual(3);
    expect(dead.nextAttemptAt).toBeNull();
    expect(receiver.of('dead')).toHaveLength(dead.attempts);
    // DEAD is final: nothing more goes out.
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.of('dead')).toHaveLength(dead.attempts);
  });

  it('does not follow redirects: a 3xx answer is a failed attempt', async () => {
    await hook('redirected', { modelNames: ['redirected-model'] });
    receiver.respond = (r) => (r.path.endsWith('hook=redirected') ? 302 : 200);
    await createModel('redirected-model');
    const failed = await waitForDelivery('redirected', (d) => d.status === 'FAILED');
    expect(failed.lastStatusCode).toBe(302);
    expect(receiver.of('redirected')).toHaveLength(1);
  });

  it('is replayed by redeliverWebhook: every matching event after the given one, oldest first', async () => {
    const secret = await hook('replayed', { modelNames: ['replayed-model'] });
    await createModel('replayed-model');
    for (let i = 0; i < 4; i++) await setTag('replayed-model', `r${i}`);
    const original = await payloads('replayed', secret, 5);
    const result = await api.data<{ redeliverWebhook: { queued: number; webhook: { name: string } } }, unknown>(
      `mutation($input: RedeliverWebhookInput!) { redeliverWebhook(input: $input) { queued webhook { name } } }`,
      { input: { name: 'replayed', afterEventId: original[0].id } },
    );
    expect(result.redeliverWebhook).toEqual({ queued: 4, webhook: { name: 'replayed' } });
    const all = await payloads('replayed', secret, 9);
    expect(all.slice(5).map((p) => p.id)).toEqual(original.slice(1).map((p) => p.id));
    expect(await deliveries('replayed')).toHaveLength(9);
    // The replay is audited (and the audit event matches no filter of this webhook).
    const audit = await api.data<{ auditEvents: { edges: { node: { details: string } }[] } }, unknown>(
      `{ auditEvents(filter: { actions: ["WEBHOOK_REDELIVERED"] }) { edges { node { details } } } }`,
    );
    expect(JSON.parse(audit.auditEvents.edges[0].node.details)).toMatchObject({
      name: 'replayed',
      afterEventId: original[0].id,
      queued: 4,
    });
  });

  it('refuses bad input with BAD_USER_INPUT naming the field, and unknown names with NOT_FOUND', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'bad name', url: receiver.url }, 'name'],
      [{ name: 'x', url: 'ftp://127.0.0.1/' }, 'url'],
      [{ name: 'x', url: 'http://user:pw@127.0.0.1/' }, 'url'],
      [{ name: 'x', url: 'not a url' }, 'url'],
      [{ name: 'x', url: receiver.url, actions: ['lower'] }, 'actions'],
      // A typo would match nothing, ever: refused rather than stored.
      [{ name: 'x', url: receiver.url, actions: ['MODEL_CREATE'] }, 'actions'],
      [{ name: 'x', url: receiver.url, modelNames: [''] }, 'modelNames'],
    ];
    for (const [input, field] of cases) {
      const result = await api.gql(CREATE, { input });
      expect([codes(result), result.errors?.[0].extensions?.field]).toEqual([['BAD_USER_INPUT'], field]);
    }
    expect(codes(await api.gql(CREATE, { input: { name: 'signed', url: receiver.url } }))).toEqual(['ALREADY_EXISTS']);
    const update = `mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { name } } }`;
    expect(codes(await api.gql(update, { input: { name: 'nope', active: false } }))).toEqual(['NOT_FOUND']);
    const del = `mutation { deleteWebhook(input: { name: "nope" }) { deletedName } }`;
    expect(codes(await api.gql(del))).toEqual(['NOT_FOUND']);
    const redeliver = `mutation($input: RedeliverWebhookInput!) { redeliverWebhook(input: $input) { queued } }`;
    expect(codes(await api.gql(redeliver, { input: { name: 'signed', afterEventId: 'garbage' } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await api.gql(redeliver, { input: { name: 'nope', afterEventId: 'QXVkaXRFdmVudDox' } }))).toEqual(['NOT_FOUND']);
  });
});

describe('filters', () => {
  it('deliver only the listed actions of the listed models; updates replace them; an inactive webhook gets nothing', async () => {
    const secret = await hook('filtered', { actions: ['TAG_SET'], modelNames: ['fa'] });
    await createModel('fa');
    await createModel('fb');
    await setTag('fb', 'x');
    await setTag('fa', 'y');
    const [only] = await payloads('filtered', secret, 1);
    expect(only).toMatchObject({ action: 'TAG_SET', modelName: 'fa', details: { key: 'y', value: 'v' } });

    const update = `mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { actions modelNames active } } }`;
    expect(await api.data(update, { input: { name: 'filtered', actions: [], modelNames: ['fb'], active: false } })).toEqual({
      updateWebhook: { webhook: { actions: [], modelNames: ['fb'], active: false } },
    });
    await setTag('fb', 'inactive');
    await api.data(update, { input: { name: 'filtered', active: true } });
    await setTag('fa', 'not-listed-any-more');
    await setTag('fb', 'active');
    const got = await payloads('filtered', secret, 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.of('filtered')).toHaveLength(2);
    expect(got[1]).toMatchObject({ action: 'TAG_SET', modelName: 'fb', details: { key: 'active' } });
  });

  it('deleting a webhook removes it and its deliveries', async () => {
    const gid = (await api.data<{ webhook: { id: string } }, unknown>(`{ webhook(name: "filtered") { id } }`)).webhook.id;
    expect(await api.data(`mutation { deleteWebhook(input: { name: "filtered" }) { deletedName } }`)).toEqual({
      deleteWebhook: { deletedName: 'filtered' },
    });
    expect(await api.data(`query($id: ID!) { webhook(name: "filtered") { id } node(id: $id) { id } }`, { id: gid })).toEqual({
      webhook: null,
      node: null,
    });
  });
});

describe('the secret', () => {
  it('appears in no log line', async () => {
    const secret = await hook('logged', { modelNames: ['logged-model'] });
    receiver.respond = (r) => (r.path.endsWith('hook=logged') ? 500 : 200);
    await createModel('logged-model');
    await waitForDelivery('logged', (d) => d.status === 'FAILED');
    const logs = lines.join('');
    expect(logs).toContain('webhook delivery failed');
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(secret.slice(6));
  });
});

/** Polls a webhook's deliveries until one satisfies `predicate`; returns it. */
async function waitForDelivery(name: string, predicate: (d: Delivery) => boolean, ms = 10_000): Promise<Delivery> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = (await deliveries(name)).find(predicate);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no delivery of ${name} matched within ${ms} ms: ${JSON.stringify(await deliveries(name))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('reading deliveries', () => {
  it('pages newest first with cursors, and counts them', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let total: number | undefined;
    for (;;) {
      type Page = {
        webhook: { deliveries: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: Delivery }[] } };
      };
      const page: Page = await api.data<Page, unknown>(DELIVERIES, { name: 'replayed', first: 2, after });
      total = page.webhook.deliveries.totalCount;
      seen.push(...page.webhook.deliveries.edges.map((e) => e.node.id));
      if (!page.webhook.deliveries.pageInfo.hasNextPage) break;
      after = page.webhook.deliveries.pageInfo.endCursor;
    }
    expect(total).toBe(9);
    expect(new Set(seen).size).toBe(9);
    expect(seen).toEqual((await deliveries('replayed')).map((d) => d.id));
    const foreign = await api.gql(DELIVERIES, { name: 'signed', first: 2, after });
    expect(codes(foreign)).toEqual(['BAD_USER_INPUT']);
  });

  it('finds a delivery by its global id, for ADMIN only', async () => {
    const [delivery] = await deliveries('signed');
    const query = `query($id: ID!) { node(id: $id) { id ... on WebhookDelivery { status webhook { name } } } }`;
    expect(await api.data(query, { id: delivery.id })).toEqual({
      node: { id: delivery.id, status: 'SUCCEEDED', webhook: { name: 'signed' } },
    });
    const viewer = await api.token('delivery-viewer', [Role.VIEWER]);
    expect(codes(await api.gql(query, { id: delivery.id }, { token: viewer }))).toEqual(['FORBIDDEN']);
    expect(codes(await api.gql(`{ webhooks { name } }`, undefined, { token: viewer }))).toEqual(['FORBIDDEN']);
  });
});

describe('metrics', () => {
  it('count attempts by the status they left and time them', async () => {
    const text = await (await fetch(`${api.url}/metrics`)).text();
    const value = (sample: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(sample + ' '))
          ?.slice(sample.length + 1) ?? NaN,
      );
    expect(value('modelgate_webhook_deliveries_total{status="SUCCEEDED"}')).toBeGreaterThan(0);
    expect(value('modelgate_webhook_deliveries_total{status="FAILED"}')).toBeGreaterThan(0);
    expect(value('modelgate_webhook_deliveries_total{status="DEAD"}')).toBeGreaterThan(0);
    expect(value('modelgate_webhook_attempt_duration_seconds_count')).toBeGreaterThan(0);
    expect(value('modelgate_webhook_delivery_latency_seconds_count')).toBe(value('modelgate_webhook_deliveries_total{status="SUCCEEDED"}'));
  });
});

describe('the outbox', () => {
  it('commits deliveries with their event and rolls them back with it', async () => {
    await hook('outbox', { modelNames: ['outbox-probe'] });
    // Events written straight to the log, as any write would: tags set on a model that does not exist.
    const probe = (n: string) => auditEvent('TAG_SET', { actor: 'test', modelName: 'outbox-probe' }, { key: 'n', value: n });
    const count = () => api.db.prisma.webhookDelivery.count({ where: { webhook: { name: 'outbox' } } });
    const before = await count();
    const failing = api.db.prisma.$transaction(async (tx) => {
      await recordAudit(tx, probe('1'));
      expect(await tx.webhookDelivery.count({ where: { webhook: { name: 'outbox' } } })).toBe(before + 1);
      throw new Error('roll back');
    });
    await expect(failing).rejects.toThrow('roll back');
    expect(await count()).toBe(before);
    await api.db.prisma.$transaction((tx) => recordAudit(tx, probe('2')));
    const [delivered] = await payloads('outbox', secretOf('outbox'), 1);
    expect(delivered).toMatchObject({ action: 'TAG_SET', modelName: 'outbox-probe', details: { key: 'n', value: '2' } });
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.of('outbox')).toHaveLength(1);
  });
});

describe('statement counts', () => {
  const write = (name: string) =>
    api.gql(`mutation($n: String!) { createRegisteredModel(input: { name: $n }) { registeredModel { name } } }`, { n: name });

  it('queuing an event costs the write one statement, however many webhooks match', async () => {
    const few = await write('count-few');
    for (let i = 0; i < 5; i++) await hook(`count-${i}`, i % 2 ? { actions: ['MODEL_CREATED'] } : {});
    const many = await write('count-many');
    expect(many.errors).toBeUndefined();
    expect(many.statements).toBe(few.statements);
    await waitForDelivery('count-4', (d) => d.event.modelName === 'count-many' && d.status === 'SUCCEEDED');
  });

  it('reads the deliveries of many webhooks in as many statements as of one', async () => {
    const query = `query($first: Int) { webhooks { name deliveries(first: $first) { totalCount edges { node { status event { action } webhook { name } } } } } }`;
    const small = await api.gql<{ webhooks: { deliveries: { edges: unknown[] } }[] }, unknown>(query, { first: 1 });
    const large = await api.gql<{ webhooks: { deliveries: { edges: unknown[] } }[] }, unknown>(query, { first: 100 });
    expect(large.data!.webhooks.length).toBeGreaterThan(5);
    expect(large.data!.webhooks.some((w) => w.deliveries.edges.length > 1)).toBe(true);
    expect(large.statements).toBe(small.statements);
    expect(large.statements).toBeLessThanOrEqual(7);
  });
});
