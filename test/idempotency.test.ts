import { print } from 'graphql';
import { loadConfig } from '../src/config';
import { createDatabase, type Database } from '../src/db/client';
import { createGateway, type Gateway } from '../src/http/app';
import { createLogger } from '../src/http/logger';
import { requestFingerprint } from '../src/domain/idempotency';
import { IdempotencyService } from '../src/services/idempotency.service';
import { FoundationCreateModelDocument, GovApproveDocument } from './__generated__/graphql';
import { auditCount, model, request, team, type Team } from './governance-fixtures';
import { codes, startApi, type TestApi } from './support/api';

// An approval bot whose request timed out retries it with the same Idempotency-Key: it must get
// the first answer, not "a decided request never changes again", and nothing may run twice,
// whichever gateway process the retry reaches, before or after a restart.
let api: TestApi;
let people: Team;
/** A second gateway process on the same database (its own connection pool). */
let second: { gateway: Gateway; db: Database; url: string };

async function startSecond(): Promise<typeof second> {
  const config = loadConfig({ DATABASE_URL: api.databaseUrl, LOG_LEVEL: 'silent', DB_POOL_SIZE: '5' });
  const db = createDatabase(config.database);
  const gateway = await createGateway(config, db, createLogger('silent'));
  const port = await gateway.listen(0, '127.0.0.1');
  return { gateway, db, url: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  api = await startApi();
  people = await team(api);
  second = await startSecond();
});
afterAll(async () => {
  await second?.gateway.stop();
  await api?.stop();
});

interface Sent {
  status: number;
  text: string;
  replayed: boolean;
  json: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function send(body: object, key: string | undefined, token: string, url = api.url): Promise<Sent> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, replayed: response.headers.get('idempotent-replayed') === 'true', json: JSON.parse(text) };
}

const createModel = (name: string) => ({ query: print(FoundationCreateModelDocument), variables: { input: { name } } });
const approve = (id: string) => ({ query: print(GovApproveDocument), variables: { input: { id, comment: 'looks good' } } });

describe('Idempotency-Key on mutations', () => {
  it('answers a retried approval with the first response, without approving again', async () => {
    await model(api, 'idem-approve', 1);
    const id = await request(api, people.bot, 'idem-approve', 1, 'STAGING');
    const first = await send(approve(id), 'approve-1', people.alice);
    expect(codes(first.json)).toEqual([]);
    expect(first.replayed).toBe(false);
    const events = await auditCount(api);
    const retry = await send(approve(id), 'approve-1', people.alice);
    expect(retry.status).toBe(200);
    expect(retry.replayed).toBe(true);
    expect(retry.text).toBe(first.text);
    expect(await auditCount(api)).toBe(events);
    // Without the key the same retry is refused, as before: the request is decided.
    expect(codes((await send(approve(id), undefined, people.alice)).json)).toEqual(['CONFLICT']);
  });

  it('refuses the same key with another body with CONFLICT and a clear message, changing nothing', async () => {
    await send(createModel('idem-first'), 'reused-key', people.bot);
    const events = await auditCount(api);
    const other = await send(createModel('idem-other'), 'reused-key', people.bot);
    expect(other.status).toBe(422);
    expect(codes(other.json)).toEqual(['CONFLICT']);
    expect(other.json.errors![0].message).toMatch(/Idempotency-Key "reused-key" was used with a different request.*new key/);
    expect(await auditCount(api)).toBe(events);
  });

  it('keeps keys apart per API key: another key with the same Idempotency-Key runs its own request', async () => {
    const mine = await send(createModel('idem-mine'), 'shared-name', people.bot);
    const theirs = await send(createModel('idem-theirs'), 'shared-name', people.otherBot);
    expect(codes(mine.json)).toEqual([]);
    expect(codes(theirs.json)).toEqual([]);
    expect(theirs.replayed).toBe(false);
  });

  it('refuses a key that is empty, too long or not printable ASCII with 400 naming the header', async () => {
    for (const key of ['x'.repeat(256), 'caf\u00e9']) {
      const r = await send(createModel('idem-bad-key'), key, people.bot);
      expect(r.status).toBe(400);
      expect(r.json.errors![0].message).toContain('Idempotency-Key');
    }
    const empty = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${people.bot}`, 'idempotency-key': '' },
      body: JSON.stringify(createModel('idem-bad-key')),
    });
    expect(empty.status).toBe(400);
  });

  it('lets a query with a key run every time (reads need no replay)', async () => {
    const query = { query: '{ viewer { name } }' };
    const a = await send(query, 'read-key', people.bot);
    const b = await send(query, 'read-key', people.bot);
    expect(a.replayed || b.replayed).toBe(false);
    expect(b.json).toEqual({ data: { viewer: { name: 'bot' } } });
  });

  it('runs a race of 10 identical requests over two gateway processes once; all ten get that one response', async () => {
    const events = await auditCount(api);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => send(createModel('idem-race'), 'race-key', people.bot, i % 2 ? second.url : api.url)),
    );
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.text).toBe(results.find((x) => !x.replayed)!.text);
    }
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(codes(results[0].json)).toEqual([]);
    expect(await auditCount(api)).toBe(events + 1);
  });

  it('replays after a restart: a new gateway process on the same database answers a retry', async () => {
    const first = await send(createModel('idem-restart'), 'restart-key', people.bot, second.url);
    await second.gateway.stop();
    second = await startSecond();
    const retry = await send(createModel('idem-restart'), 'restart-key', people.bot, second.url);
    expect(retry.replayed).toBe(true);
    expect(retry.text).toBe(first.text);
  });

  it('takes over a claim left by a crashed process once its lease lapsed, and a record past its 24 hours', async () => {
    const botId = (await api.db.prisma.apiKey.findUniqueOrThrow({ where: { name: 'bot' } })).id;
    const past = new Date(Date.now() - 1000);
    const body = createModel('idem-crashed');
    // The process that claimed this request died before storing a response: its lease lapsed.
    await api.db.prisma.idempotencyKey.create({
      data: {
        apiKeyId: botId,
        key: 'crashed',
        requestHash: requestFingerprint(body),
        owner: 'dead',
        leaseUntil: past,
        expiresAt: new Date(Date.now() + 3600_000),
      },
    });
    const retried = await send(body, 'crashed', people.bot);
    expect(codes(retried.json)).toEqual([]);
    expect(retried.replayed).toBe(false);
    expect((await send(body, 'crashed', people.bot)).replayed).toBe(true);
    // A day later the key is free again, for any request.
    await api.db.prisma.idempotencyKey.updateMany({ where: { key: 'crashed' }, data: { expiresAt: past } });
    const reused = await send(createModel('idem-next-day'), 'crashed', people.bot);
    expect(codes(reused.json)).toEqual([]);
    expect(reused.replayed).toBe(false);
  });

  it('waits for a running claim, takes it over when its lease lapses, and gives up with busy when it does not', async () => {
    const quick = new IdempotencyService(api.db, { leaseMs: 300, waitMs: 150, pollMs: 20 });
    const held = await quick.begin(424242, 'held', 'h');
    expect(held.kind).toBe('run');
    expect((await quick.begin(424242, 'held', 'h')).kind).toBe('busy');
    expect((await quick.begin(424242, 'held', 'other')).kind).toBe('mismatch');
    if (held.kind === 'run') await held.claim.complete(200, '{"data":{}}');
    expect(await quick.begin(424242, 'held', 'h')).toEqual({ kind: 'replay', status: 200, body: '{"data":{}}' });

    const dead = new IdempotencyService(api.db, { leaseMs: 100, waitMs: 2000, pollMs: 20 });
    const orphan = await dead.begin(424242, 'orphan', 'h');
    expect(orphan.kind).toBe('run');
    // The holder "dies": its renewals stop; a retry waits until the lease lapses, then runs.
    if (orphan.kind === 'run') await api.db.prisma.idempotencyKey.updateMany({ where: { key: 'orphan' }, data: { owner: 'dead' } });
    const started = Date.now();
    expect((await quick.begin(424242, 'orphan', 'h')).kind).toBe('run');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
