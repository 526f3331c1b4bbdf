import { randomBytes } from 'node:crypto';
import { getIntrospectionQuery } from 'graphql';
import { startApi, type TestApi } from './support/api';

// Stories about documents built to stall the gateway: each is refused before it costs
// anything, with BAD_USER_INPUT naming the limit, and /healthz keeps answering meanwhile.
let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.stop());

interface Timed {
  status: number;
  ms: number;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function timed(path: string, init?: RequestInit): Promise<Timed> {
  const started = performance.now();
  const response = await fetch(`${api.url}${path}`, init);
  const body = (await response.json()) as Timed['body'];
  return { status: response.status, ms: performance.now() - started, body };
}

/** Sends the attack and, while it is in flight, asks /healthz; both timed. */
async function attack(query: string): Promise<{ attack: Timed; health: Timed }> {
  const sent = timed('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${api.adminToken}` },
    body: JSON.stringify({ query }),
  });
  await new Promise((r) => setTimeout(r, 5));
  const health = timed('/healthz');
  return { attack: await sent, health: await health };
}

/**
 * "Promptly" on a shared CI machine (seen: load average 28 on 2 cores). Idle, these answers
 * take a few milliseconds; before the limits, the same attacks held the event loop 3 s (repeated
 * fields) to 10 minutes (one field 4,000 times) under that load.
 */
const PROMPT_MS = 5_000;

function expectRefused(result: { attack: Timed; health: Timed }, limit: string, max: number) {
  expect(result.attack.status).toBe(400);
  expect(result.attack.body.data).toBeUndefined();
  expect(result.attack.body.errors).toHaveLength(1);
  expect(result.attack.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit, max, actual: expect.any(Number) });
  expect(result.attack.body.errors![0].extensions!.actual as number).toBeGreaterThan(max);
  expect(result.attack.ms).toBeLessThan(PROMPT_MS);
  expect(result.health.status).toBe(200);
  expect(result.health.ms).toBeLessThan(PROMPT_MS);
}

describe('hostile documents are refused before they cost anything', () => {
  it('refuses a query text over MAX_DOCUMENT_BYTES (a 450 KB comment) before parsing it', async () => {
    for (let i = 0; i < 5; i++) {
      const query = `{ __typename } #${randomBytes(225 * 1024).toString('hex')}`;
      expectRefused(await attack(query), 'MAX_DOCUMENT_BYTES', 65_536);
    }
  });

  it('refuses a document over MAX_QUERY_TOKENS (one field 4,000 times) before parsing it', async () => {
    const query = `{ ${'viewer { name } '.repeat(4_000)}}`;
    expect(query.length).toBeLessThan(65_536);
    expectRefused(await attack(query), 'MAX_QUERY_TOKENS', 3_000);
  });

  it('refuses a selection set wider than MAX_FIELDS_PER_SELECTION before validating it', async () => {
    const query = `{ ${Array.from({ length: 101 }, (_, i) => `a${i}: viewer { name }`).join(' ')} }`;
    expectRefused(await attack(query), 'MAX_FIELDS_PER_SELECTION', 100);
  });

  it('refuses fields repeated under one name (quadratic to validate) before validating them', async () => {
    const query = `{ ${Array.from({ length: 30 }, () => `a: viewer { ${'name '.repeat(20)}}`).join(' ')} }`;
    expectRefused(await attack(query), 'MAX_FIELD_COMPARISONS', 2_000);
  });

  it('refuses 22 fragments that each spread the next twice (2^22 fields once expanded) at once', async () => {
    const fragments = Array.from({ length: 22 }, (_, i) =>
      i === 21 ? `fragment F21 on Query { __typename }` : `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    );
    const query = `{ ...F0 } ${fragments.join(' ')}`;
    expect(query.length).toBeLessThan(1_000);
    expectRefused(await attack(query), 'MAX_FIELD_COMPARISONS', 2_000);
  });

  it('measures depth once per fragment: 22 fragments that each nest the next twice are refused at once', async () => {
    const fragments = Array.from({ length: 22 }, (_, i) =>
      i === 21
        ? `fragment F21 on RegisteredModel { name }`
        : `fragment F${i} on RegisteredModel { a: latestVersions { model { ...F${i + 1} } } b: latestVersions { model { ...F${i + 1} } } }`,
    );
    const query = `{ registeredModel(name: "m") { ...F0 } } ${fragments.join(' ')}`;
    const result = await attack(query);
    expectRefused(result, 'MAX_QUERY_DEPTH', 12);
    expect(result.attack.body.errors![0].extensions!.actual).toBe(1 + 21 * 2 + 1);
  });

  it('answers a document just inside every limit promptly', async () => {
    // 44 copies of one field: 946 pairs + 946 sub-field pairs = 1,892 comparisons; 99 more distinct aliases.
    const repeated = Array.from({ length: 44 }, () => 'a: viewer { name }').join(' ');
    const distinct = Array.from({ length: 55 }, (_, i) => `b${i}: viewer { name roles }`).join(' ');
    const query = `{ ${repeated} ${distinct} }`;
    const result = await attack(query);
    expect(result.attack.status).toBe(200);
    expect(result.attack.body.errors).toBeUndefined();
    expect(result.attack.ms).toBeLessThan(PROMPT_MS);
    expect(result.health.ms).toBeLessThan(PROMPT_MS);
  });

  it('still serves ordinary documents: introspection and a query with repeated fields and fragments', async () => {
    const introspection = await timed('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: getIntrospectionQuery() }),
    });
    expect(introspection.body.errors).toBeUndefined();
    const data = await api.data<{ viewer: unknown; again: unknown }, never>(
      '{ viewer { name ...Who } again: viewer { name roles } } fragment Who on Principal { name roles }',
    );
    expect(data.again).toEqual(data.viewer);
    expect(data.viewer).toEqual({ name: expect.any(String), roles: ['ADMIN'] });
  });
});
