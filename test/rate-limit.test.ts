import { loadConfig } from '../src/config';
import { createDatabase, type Database } from '../src/db/client';
import { Role } from '../src/domain/roles';
import { createGateway, type Gateway } from '../src/http/app';
import { createLogger } from '../src/http/logger';
import { RateLimitService } from '../src/services/rate-limit.service';
import { startApi, type TestApi } from './support/api';
import { testProvider } from './support/databases';

// A client may not flood the gateway, and an address may not guess tokens: 429 with
// Retry-After and RateLimit-* headers. On PostgreSQL every gateway process shares the counts.
const LIMIT = 20;
let api: TestApi;
/** Another gateway process on api's database, with the same limits. */
let second: { gateway: Gateway; db: Database; url: string };
let guarded: TestApi;

beforeAll(async () => {
  [api, guarded] = await Promise.all([
    startApi({ RATE_LIMIT_REQUESTS: String(LIMIT), RATE_LIMIT_WINDOW_SECONDS: '60' }),
    startApi({ RATE_LIMIT_AUTH_FAILURES: '3', RATE_LIMIT_WINDOW_SECONDS: '60' }),
  ]);
  const config = loadConfig({ DATABASE_URL: api.databaseUrl, LOG_LEVEL: 'silent', DB_POOL_SIZE: '5', RATE_LIMIT_REQUESTS: String(LIMIT) });
  const db = createDatabase(config.database);
  const gateway = await createGateway(config, db, createLogger('silent'));
  second = { gateway, db, url: `http://127.0.0.1:${await gateway.listen(0, '127.0.0.1')}` };
});
afterAll(async () => {
  await second?.gateway.stop();
  await Promise.all([api?.stop(), guarded?.stop()]);
});

async function call(url: string, token: string | null): Promise<Response> {
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
}

describe('request limits per API key', () => {
  it('counts down in RateLimit-* headers, then answers 429 with Retry-After, RATE_LIMITED and the request id', async () => {
    const token = await api.token('rl-counted', [Role.VIEWER]);
    for (let i = 1; i <= LIMIT; i++) {
      const r = await call(api.url, token);
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit-limit')).toBe(String(LIMIT));
      expect(r.headers.get('ratelimit-remaining')).toBe(String(LIMIT - i));
      expect(Number(r.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
      expect(r.headers.get('ratelimit-policy')).toBe(`${LIMIT};w=60`);
      await r.text();
    }
    const refused = await call(api.url, token);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = await refused.json();
    expect(body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: retryAfter });
    // Another key is counted on its own.
    expect((await call(api.url, await api.token('rl-other', [Role.VIEWER]))).status).toBe(200);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/^modelgate_http_refused_requests_total\{status="429",reason="rate_limited"\} [1-9]\d*$/m);
  });

  it('lets exactly the limit through when 3 × the limit arrive at once', async () => {
    const token = await api.token('rl-burst', [Role.VIEWER]);
    const statuses = await Promise.all(
      Array.from({ length: LIMIT * 3 }, () => call(api.url, token).then(async (r) => (await r.text(), r.status))),
    );
    expect(statuses.filter((s) => s !== 429 && s !== 200)).toEqual([]);
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(LIMIT * 2);
  });

  it('admits exactly the limit when requests trickle in while claims are in flight', async () => {
    // Claims overlap arrivals in every pattern: some claims end past the limit and grant part.
    for (let round = 0; round < 5; round++) {
      const limiter = new RateLimitService(api.db, { requests: LIMIT, authFailures: 0, windowMs: 60_000 });
      const decisions: Promise<boolean>[] = [];
      for (let i = 0; i < LIMIT * 3; i++) {
        decisions.push(limiter.request(`trickle-${round}`)!.then((d) => d.allowed));
        if (i % (round + 2) === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      expect((await Promise.all(decisions)).filter(Boolean)).toHaveLength(LIMIT);
    }
  });

  it(
    testProvider() === 'postgres'
      ? 'shares the count between gateway processes on one PostgreSQL database'
      : 'counts per process on SQLite (one process per database file)',
    async () => {
      const token = await api.token('rl-shared', [Role.VIEWER]);
      const half = LIMIT / 2;
      for (let i = 0; i < half; i++) expect((await call(api.url, token)).status).toBe(200);
      for (let i = 0; i < half; i++) expect((await call(second.url, token)).status).toBe(200);
      const next = await call(second.url, token);
      expect(next.status).toBe(testProvider() === 'postgres' ? 429 : 200);
    },
  );

  it('limits anonymous requests per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) statuses.push((await call(api.url, null)).status);
    expect(statuses.slice(0, LIMIT).every((s) => s === 200)).toBe(true);
    expect(statuses[LIMIT]).toBe(429);
  });
});

describe('failed authentication limit per address', () => {
  it('answers 429 after 3 bad tokens, before looking any token up, even a good one', async () => {
    const good = await guarded.token('rl-good', [Role.VIEWER]);
    expect((await call(guarded.url, good)).status).toBe(200);
    // Without RATE_LIMIT_REQUESTS there are no request-limit headers.
    expect((await call(guarded.url, good)).headers.get('ratelimit-limit')).toBeNull();
    for (let i = 0; i < 3; i++) {
      const bad = await call(guarded.url, `mg_guess-${i}`);
      expect(bad.status).toBe(401);
      await bad.text();
    }
    const blocked = await call(guarded.url, 'mg_guess-4');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await blocked.json()).errors[0].message).toMatch(/failed authentications/);
    expect((await call(guarded.url, good)).status).toBe(429);
    const metrics = await (await fetch(`${guarded.url}/metrics`)).text();
    expect(metrics).toMatch(/^modelgate_http_refused_requests_total\{status="429",reason="auth_rate_limited"\} 2$/m);
    expect(metrics).toMatch(/^modelgate_http_refused_requests_total\{status="401",reason="invalid_token"\} 3$/m);
  });
});

describe('what the limits cost', () => {
  let costed: TestApi;
  beforeAll(async () => {
    costed = await startApi({ RATE_LIMIT_REQUESTS: '1000', RATE_LIMIT_AUTH_FAILURES: '20', RATE_LIMIT_WINDOW_SECONDS: '60' });
  });
  afterAll(() => costed?.stop());

  it('claims a busy key’s points in batches of 1% of its limit, and checks addresses in memory', async () => {
    const token = await costed.token('rl-batched', [Role.VIEWER]);
    const limitStatements: string[] = [];
    costed.db.statements.observer = ({ query }) => void (/RateLimitCounter/.test(query) && limitStatements.push(query));
    for (let i = 0; i < 45; i++) {
      const r = await call(costed.url, token);
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit-remaining')).toBe(String(1000 - i - 1));
      await r.text();
    }
    costed.db.statements.observer = undefined;
    // On PostgreSQL the 45 requests claimed 10 points 5 times; the address check read nothing.
    // SQLite counts in memory.
    expect(limitStatements).toHaveLength(testProvider() === 'postgres' ? 5 : 0);
    if (testProvider() === 'postgres') {
      const [row] = await costed.db.prisma.$queryRawUnsafe<{ points: number }[]>(
        `SELECT "points" FROM "RateLimitCounter" WHERE "key" LIKE 'req:key:%'`,
      );
      expect(row.points).toBe(50);
    }
  });
});
