import WebSocket from 'ws';
import { recordAudit } from '../src/db/repositories/audit.repository';
import { auditEvent } from '../src/domain/audit';
import { fromGlobalId, toGlobalId } from '../src/domain/ids';
import { startApi, type TestApi } from './support/api';
import { openSubscriptions, REGISTRY_EVENTS, subscribe, type Subscriber } from './support/subscriber';

const CREATE = `mutation Create($input: CreateRegisteredModelInput!) { createRegisteredModel(input: $input) { registeredModel { name } } }`;
const SET_TAG = `mutation Tag($input: SetRegisteredModelTagInput!) { setRegisteredModelTag(input: $input) { registeredModel { name } } }`;

let api: TestApi;
const open: Subscriber[] = [];

beforeAll(async () => {
  api = await startApi({ SUBSCRIPTION_BUFFER_LIMIT: '3000', DB_POOL_SIZE: '8' });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.dispose()));
  await openSubscriptions(api.url, 0);
});
afterAll(() => api.stop());

async function subscribed(expected = 1): Promise<Subscriber> {
  const subscriber = await subscribe(api.url, { token: api.adminToken });
  open.push(subscriber);
  await openSubscriptions(api.url, expected);
  return subscriber;
}

const rowId = (id: string) => fromGlobalId(id)!.id;
/** An event written straight to the log, as any write would: a tag set on a model that does not exist. */
const marker = (key: string, value = '') => auditEvent('TAG_SET', { actor: 'test', modelName: 'marker' }, { key, value });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('events arrive in commit order, each exactly once', () => {
  it('a transaction that wrote its event first but commits last is neither missed nor overtaken', async () => {
    const subscriber = await subscribed();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let recorded!: () => void;
    const firstRecorded = new Promise<void>((r) => (recorded = r));
    const first = api.db.prisma.$transaction(async (tx) => {
      await recordAudit(tx, marker('ORDER_FIRST'));
      recorded();
      await gate;
    });
    await firstRecorded;
    const second = api.db.prisma.$transaction(async (tx) => {
      await recordAudit(tx, marker('ORDER_SECOND'));
    });
    // Had the second taken the next id and committed now, a reader would move past the first's id for good.
    expect(await Promise.race([second.then(() => 'committed'), sleep(300).then(() => 'waiting')])).toBe('waiting');
    expect(subscriber.events).toEqual([]);
    release();
    await Promise.all([first, second]);
    const events = await subscriber.waitFor(2);
    expect(events.map((e) => JSON.parse(e.details).key)).toEqual(['ORDER_FIRST', 'ORDER_SECOND']);
    expect(rowId(events[0].id)).toBeLessThan(rowId(events[1].id));
  });

  it('many writers committing at once: the subscriber gets every event exactly once, in id order, and ids are the log', async () => {
    const subscriber = await subscribed();
    const start = (await api.db.prisma.auditEvent.findFirst({ orderBy: { id: 'desc' } }))?.id ?? 0;
    const writers = 12;
    const perWriter = 10;
    const slowCommitters = 4;
    await Promise.all([
      ...Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i++) {
          const name = `order-${w}-${i}`;
          await api.data(CREATE, { input: { name } });
          await api.data(SET_TAG, { input: { name, key: 'writer', value: String(w) } });
        }
      }),
      // Transactions that linger between writing their event and committing: where ids were
      // handed out at insert time, these would commit after higher ids and be skipped.
      ...Array.from({ length: slowCommitters }, async (_, w) => {
        for (let i = 0; i < perWriter; i++) {
          await api.db.prisma.$transaction(async (tx) => {
            await recordAudit(tx, marker('SLOW_COMMIT', `${w}:${i}`));
            await sleep(Math.random() * 15);
          });
        }
      }),
    ]);
    const expected = await api.db.prisma.auditEvent.findMany({ where: { id: { gt: start } }, orderBy: { id: 'asc' } });
    expect(expected).toHaveLength(writers * perWriter * 2 + slowCommitters * perWriter);
    const events = await subscriber.waitFor(expected.length);
    await sleep(300);
    const ids = subscriber.events.map((e) => rowId(e.id));
    expect(ids).toEqual(expected.map((e) => e.id));
    expect(new Set(ids).size).toBe(ids.length);
    // Per model, creation comes before its tag: the order the writers committed them.
    for (const e of events.filter((x) => x.action === 'TAG_SET' && x.modelName !== 'marker')) {
      const created = events.findIndex((x) => x.action === 'MODEL_CREATED' && x.modelName === e.modelName);
      expect(created).toBeGreaterThanOrEqual(0);
      expect(created).toBeLessThan(events.indexOf(e));
    }
  });
});

describe('a subscriber that cannot keep up', () => {
  it('is closed with 4408 past its buffer limit, while a reading subscriber gets every event', async () => {
    const fast = await subscribed(1);
    const padding = 'x'.repeat(2000);
    let written = 0;
    const write = async (count: number) => {
      for (let done = 0; done < count; done += 1000) {
        const entries = Array.from({ length: 1000 }, () => marker(String(written++), padding));
        await api.db.prisma.$transaction((tx) => recordAudit(tx, ...entries), { timeout: 60_000 });
      }
    };
    const before = (await api.db.prisma.auditEvent.findFirst({ orderBy: { id: 'desc' } }))!.id;
    await write(10_000);

    // The slow one resumes from before those 10,000 (2 KB each: more than the TCP buffers hold),
    // then stops reading: its sends wait, and live events pile up in its buffer.
    const slow = new WebSocket(api.url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => slow.once('close', (code) => resolve(code)));
    await new Promise((resolve) => slow.once('open', resolve));
    const acked = new Promise((resolve) => slow.once('message', resolve));
    slow.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${api.adminToken}` } }));
    expect(JSON.parse(String(await acked))).toEqual({ type: 'connection_ack' });
    const after = toGlobalId('AuditEvent', before);
    slow.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: REGISTRY_EVENTS, variables: { after } } }));
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();
    await openSubscriptions(api.url, 2);
    await write(4000);

    // It is dropped on the server (its buffer cleared) and, reading again, finds the close frame.
    await openSubscriptions(api.url, 1, 60_000);
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await closed).toBe(4408);
    const events = await fast.waitFor(written, 60_000);
    expect(events.map((e) => Number(JSON.parse(e.details).key))).toEqual(Array.from({ length: written }, (_, i) => i));
  }, 120_000);
});
