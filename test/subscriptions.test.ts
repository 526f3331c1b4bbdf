import { recordAudit } from '../src/db/repositories/audit.repository';
import { auditEvent } from '../src/domain/audit';
import { toGlobalId } from '../src/domain/ids';
import { Role } from '../src/domain/roles';
import { codes, startApi, type TestApi } from './support/api';
import { openSubscriptions, subscribe, type Subscriber } from './support/subscriber';

const CREATE = `mutation Create($input: CreateRegisteredModelInput!) { createRegisteredModel(input: $input) { registeredModel { name } } }`;
const SET_TAG = `mutation Tag($input: SetRegisteredModelTagInput!) { setRegisteredModelTag(input: $input) { registeredModel { name } } }`;
const EVENTS = `query Events($first: Int) { auditEvents(first: $first) { edges { node { id action modelName } } } }`;

let api: TestApi;
const open: Subscriber[] = [];

beforeAll(async () => {
  api = await startApi();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.dispose()));
  await openSubscriptions(api.url, 0);
});
afterAll(() => api.stop());

async function subscribed(options: Parameters<typeof subscribe>[1] = {}, expected = 1): Promise<Subscriber> {
  const subscriber = await subscribe(api.url, { token: api.adminToken, ...options });
  open.push(subscriber);
  await openSubscriptions(api.url, expected);
  return subscriber;
}

const create = (name: string) => api.data(CREATE, { input: { name } });

/** Every audit event, oldest first, as the API lists them. */
async function allEvents(): Promise<Array<{ id: string; action: string; modelName: string | null }>> {
  const result = await api.data<
    { auditEvents: { edges: Array<{ node: { id: string; action: string; modelName: string | null } }> } },
    object
  >(EVENTS, { first: 100 });
  return result.auditEvents.edges.map((e) => e.node).reverse();
}

describe('registryEvents over WebSocket', () => {
  it('when a model is created, a subscriber receives its MODEL_CREATED event as the audit log has it', async () => {
    const subscriber = await subscribed();
    await create('sub-first');
    const [event] = await subscriber.waitFor(1);
    expect(event).toMatchObject({ action: 'MODEL_CREATED', actor: expect.stringMatching(/admin/), modelName: 'sub-first', version: null });
    expect(JSON.parse(event.details)).toMatchObject({ description: null });
    const logged = (await allEvents()).at(-1)!;
    expect(event.id).toBe(logged.id);
  });

  it('filters by model names and actions', async () => {
    const byModel = await subscribed({ variables: { filter: { modelNames: ['sub-b'] } } }, 1);
    const byAction = await subscribed({ variables: { filter: { actions: ['TAG_SET'] } } }, 2);
    await create('sub-a');
    await create('sub-b');
    await api.data(SET_TAG, { input: { name: 'sub-a', key: 'team', value: 'x' } });
    await api.data(SET_TAG, { input: { name: 'sub-b', key: 'team', value: 'y' } });
    expect((await byModel.waitFor(2)).map((e) => [e.action, e.modelName])).toEqual([
      ['MODEL_CREATED', 'sub-b'],
      ['TAG_SET', 'sub-b'],
    ]);
    expect((await byAction.waitFor(2)).map((e) => [e.action, e.modelName])).toEqual([
      ['TAG_SET', 'sub-a'],
      ['TAG_SET', 'sub-b'],
    ]);
    await create('sub-c');
    await api.data(SET_TAG, { input: { name: 'sub-c', key: 'team', value: 'z' } });
    await byAction.waitFor(3);
    expect(byModel.events).toHaveLength(2);
  });

  it('never shows an event of a refused (rolled-back) mutation', async () => {
    const subscriber = await subscribed();
    await create('sub-dup');
    const refused = await api.gql(CREATE, { input: { name: 'sub-dup' } });
    expect(codes(refused)).toEqual(['ALREADY_EXISTS']);
    // A transaction that wrote its audit event and then failed.
    await expect(
      api.db.prisma.$transaction(async (tx) => {
        await recordAudit(tx, auditEvent('MODEL_CREATED', { actor: 'admin', modelName: 'ghost' }, { description: null, tags: [] }));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await create('sub-after');
    const events = await subscriber.waitFor(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(events.map((e) => e.modelName)).toEqual(['sub-dup', 'sub-after']);
  });

  it('with after, replays what was committed after that event, then continues live without gap or duplicate', async () => {
    for (const name of ['r1', 'r2', 'r3', 'r4']) await create(`sub-${name}`);
    const logged = await allEvents();
    const r2 = logged.find((e) => e.modelName === 'sub-r2')!;
    const subscriber = await subscribed({ variables: { after: r2.id } });
    expect((await subscriber.waitFor(2)).map((e) => e.modelName)).toEqual(['sub-r3', 'sub-r4']);
    await create('sub-r5');
    expect((await subscriber.waitFor(3)).map((e) => e.modelName)).toEqual(['sub-r3', 'sub-r4', 'sub-r5']);
    const filtered = await subscribed({ variables: { after: r2.id, filter: { modelNames: ['sub-r4', 'sub-r5'] } } }, 2);
    expect((await filtered.waitFor(2)).map((e) => e.modelName)).toEqual(['sub-r4', 'sub-r5']);
  });

  it('refuses an after that is not an AuditEvent id with BAD_USER_INPUT naming the field', async () => {
    const subscriber = await subscribed({ variables: { after: toGlobalId('RegisteredModel', 1) } }, 0);
    await waitUntil(() => subscriber.errors.length > 0);
    expect(subscriber.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'after' } });
  });

  it('applies the query cost limit to subscription documents, as over HTTP', async () => {
    const strict = await startApi({ MAX_QUERY_COST: '10' });
    try {
      const fields = Array.from({ length: 12 }, (_, i) => `f${i}: id`).join(' ');
      const costly = await subscribe(strict.url, { token: strict.adminToken, query: `subscription { registryEvents { ${fields} } }` });
      await waitUntil(() => costly.errors.length > 0);
      expect(costly.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', limit: 'MAX_QUERY_COST' } });
      await costly.dispose();
      const fine = await subscribe(strict.url, { token: strict.adminToken, query: 'subscription { registryEvents { id action } }' });
      await openSubscriptions(strict.url, 1);
      await fine.dispose();
    } finally {
      await strict.stop();
    }
  });
});

describe('over HTTP', () => {
  it('refuses a subscription with 400 BAD_USER_INPUT that points to WebSocket', async () => {
    const result = await api.gql('subscription { registryEvents { id } }');
    expect(result.status).toBe(400);
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0].message).toMatch(/WebSocket/);
  });
});

describe('who may subscribe', () => {
  it('closes the connection with 4403 for an unknown token', async () => {
    const subscriber = await subscribe(api.url, { token: 'mg_unknown-token-000000000000000000000000000' });
    open.push(subscriber);
    expect(await subscriber.closed).toBe(4403);
  });

  it('refuses a subscription without a token when anonymous reads are off', async () => {
    const subscriber = await subscribe(api.url, { token: null });
    open.push(subscriber);
    await waitUntil(() => subscriber.errors.length > 0);
    expect(subscriber.errors[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('lets a VIEWER subscribe, and closes its connection with 4403 within seconds of its key being revoked', async () => {
    const token = await api.token('sub-viewer', [Role.VIEWER]);
    const subscriber = await subscribed({ token });
    await create('sub-seen-by-viewer');
    await subscriber.waitFor(1);
    const started = Date.now();
    await api.data(`mutation { revokeApiKey(input: { name: "sub-viewer" }) { revokedName } }`);
    expect(await subscriber.closed).toBe(4403);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('around the subscriptions', () => {
  it('counts open subscriptions and published events on /metrics', async () => {
    const metric = async (name: string) => {
      const text = await (await fetch(`${api.url}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    };
    const before = await metric('modelgate_events_published_total');
    const subscriber = await subscribed();
    expect(await metric('modelgate_subscriptions')).toBe(1);
    expect(await metric('modelgate_subscription_connections')).toBe(1);
    await create('sub-metrics');
    await subscriber.waitFor(1);
    expect(await metric('modelgate_events_published_total')).toBe(before + 1);
  });

  it('takes the token of an operation from its extensions.headers (what GraphiQL sends)', async () => {
    const viewer = await api.token('sub-extensions-viewer', [Role.VIEWER]);
    const query = `subscription { registryEvents { action modelName } }`;
    const subscriber = await subscribe(api.url, { token: null, query, extensions: { headers: { Authorization: `Bearer ${viewer}` } } });
    open.push(subscriber);
    await openSubscriptions(api.url, 1);
    await create('sub-via-extensions');
    expect((await subscriber.waitFor(1)).map((e) => e.modelName)).toEqual(['sub-via-extensions']);
    const refused = await subscribe(api.url, { token: null, query, extensions: { headers: { Authorization: 'Bearer mg_nope' } } });
    open.push(refused);
    expect(await refused.closed).toBe(4403);
  });

  it('lets anyone subscribe when anonymous reads are on', async () => {
    const anonymous = await startApi({ ALLOW_ANONYMOUS_READ: 'true' });
    try {
      const subscriber = await subscribe(anonymous.url, { token: null });
      await openSubscriptions(anonymous.url, 1);
      await anonymous.data(CREATE, { input: { name: 'sub-anonymous' } });
      expect((await subscriber.waitFor(1)).map((e) => e.modelName)).toEqual(['sub-anonymous']);
      await subscriber.dispose();
    } finally {
      await anonymous.stop();
    }
  });

  it('stopping the gateway closes open subscriptions with 1001 (going away) and does not hang', async () => {
    const other = await startApi();
    const subscriber = await subscribe(other.url, { token: other.adminToken });
    await openSubscriptions(other.url, 1);
    const started = Date.now();
    await other.stop();
    expect(await subscriber.closed).toBe(1001);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

async function waitUntil(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
