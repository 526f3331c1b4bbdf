import { spawnSync } from 'node:child_process';
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { getIntrospectionQuery } from 'graphql';
import { FoundationCreateModelDocument, FoundationModelNameDocument } from './__generated__/graphql';
import { codes, startApi, type TestApi } from './support/api';

// Stories about the HTTP surface: whatever a client sends, the gateway answers with a JSON error
// that names the problem, never a 500 or a stack trace, and goes on serving.
let api: TestApi;
/** A second gateway with the browser page and introspection off and tight query limits. */
let locked: TestApi;
beforeAll(async () => {
  [api, locked] = await Promise.all([
    startApi(),
    startApi({ GRAPHIQL: 'false', INTROSPECTION: 'false', MAX_QUERY_DEPTH: '3', MAX_QUERY_COST: '20' }),
  ]);
});
afterAll(() => Promise.all([api?.stop(), locked?.stop()]));

interface Raw {
  status: number;
  headers: Headers;
  text: string;
  json: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** Every response body a test saw: checked at the end for leaks. */
const bodies: string[] = [];

async function send(path: string, init: RequestInit & { headers?: Record<string, string> } = {}, on: TestApi = api): Promise<Raw> {
  const response = await fetch(`${on.url}${path}`, init);
  const text = await response.text();
  bodies.push(text);
  let json: Raw['json'] = {};
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON: the test says whether it should be */
  }
  return { status: response.status, headers: response.headers, text, json };
}

function post(body: string, headers: Record<string, string> = {}, on: TestApi = api): Promise<Raw> {
  return send(
    '/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${on.adminToken}`, ...headers },
      body,
    },
    on,
  );
}

const query = (text: string, variables?: unknown, on: TestApi = api) => post(JSON.stringify({ query: text, variables }), {}, on);
const errorCodes = (r: Raw) => (r.json.errors ?? []).map((e) => e.extensions?.code);

describe('bad GraphQL is refused with a code, before anything runs', () => {
  it('answers a malformed query with GRAPHQL_PARSE_FAILED', async () => {
    const r = await query('{ registeredModel(name: "x" { name }');
    expect(r.status).toBe(400);
    expect(errorCodes(r)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('answers an unknown field with GRAPHQL_VALIDATION_FAILED', async () => {
    const r = await query('{ registeredModel(name: "x") { name passwordHash } }');
    expect(r.status).toBe(400);
    expect(errorCodes(r)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(r.json.errors![0].message).toContain('passwordHash');
  });

  it('answers a variable of the wrong type with BAD_USER_INPUT', async () => {
    const r = await query('query Q($name: String!) { registeredModel(name: $name) { name } }', { name: { $gt: '' } });
    expect(r.status).toBe(400);
    expect(errorCodes(r)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers a missing required variable with BAD_USER_INPUT', async () => {
    const r = await query('query Q($name: String!) { registeredModel(name: $name) { name } }', {});
    expect(errorCodes(r)).toEqual(['BAD_USER_INPUT']);
  });

  it('serves the standard introspection query (what GraphiQL and codegen send) under the default limits', async () => {
    const r = await query(getIntrospectionQuery());
    expect(r.json.errors).toBeUndefined();
    expect(r.status).toBe(200);
    expect((r.json.data as { __schema: { queryType: { name: string } } }).__schema.queryType.name).toBe('Query');
  });

  it('refuses a query deeper than MAX_QUERY_DEPTH with BAD_USER_INPUT naming the limit, before it runs', async () => {
    const deep = await query('{ modelVersion(name: "m", version: 1) { model { name } } }', undefined, locked);
    expect(deep.json).toEqual({ data: { modelVersion: null } });
    const tooDeep = await query('{ modelVersion(name: "m", version: 1) { model { tags { key } } } }', undefined, locked);
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.json.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'MAX_QUERY_DEPTH', max: 3, actual: 4 });
    expect(tooDeep.json.errors![0].message).toMatch(/maximum query depth of 3/);
    expect(tooDeep.json.data).toBeUndefined();
    // Nothing ran but the token lookup every request makes.
    const trivial = await query('{ __typename }', undefined, locked);
    expect(Number(tooDeep.headers.get('x-sql-statements'))).toBe(Number(trivial.headers.get('x-sql-statements')));
  });

  it('refuses a query over MAX_QUERY_COST with BAD_USER_INPUT naming the limit', async () => {
    const fields = Array.from({ length: 25 }, (_, i) => `m${i}: registeredModel(name: "m${i}") { name }`).join(' ');
    const costly = await query(`{ ${fields} }`, undefined, locked);
    expect(costly.status).toBe(400);
    expect(costly.json.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'MAX_QUERY_COST', max: 20 });
    expect(costly.json.errors![0].message).toMatch(/maximum query cost of 20/);
  });

  it('refuses introspection when INTROSPECTION=false, and allows it by default', async () => {
    const refused = await query('{ __schema { queryType { name } } }', undefined, locked);
    expect(refused.status).toBe(400);
    expect(errorCodes(refused)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(refused.text).not.toContain('"queryType":{');
    const allowed = await query('{ __schema { queryType { name } } }');
    expect(allowed.json).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });
});

describe('bad HTTP is refused with a JSON error', () => {
  it('refuses a body over 1 MiB with 413, and takes one just under it', async () => {
    const padded = (size: number) => {
      const skeleton = JSON.stringify({ query: 'query Q($pad: String!) { __type(name: $pad) { name } }', variables: { pad: '' } });
      return skeleton.replace('"pad":""', `"pad":"${'x'.repeat(size - skeleton.length)}"`);
    };
    const over = await post(padded(1024 * 1024 + 1));
    expect(over.status).toBe(413);
    expect(over.json.errors![0]).toMatchObject({ message: expect.stringContaining('1 MiB'), extensions: { code: 'BAD_REQUEST' } });
    const under = await post(padded(1024 * 1024 - 1));
    expect(under.status).toBe(200);
    expect(under.json).toEqual({ data: { __type: null } });
  });

  it.each([
    ['truncated JSON', '{"query": "{ __typename }"'],
    ['not JSON at all', 'query { __typename }'],
  ])('refuses %s with 400', async (_what, body) => {
    const r = await post(body);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect(r.json.errors![0].extensions).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it.each([
    ['no query', '{}'],
    ['variables that are not an object', '{"query": "{ __typename }", "variables": "x"}'],
    ['a batch (batching is off)', '[{"query": "{ __typename }"}]'],
    ['a query that is not a string', '{"query": 42}'],
  ])('refuses a body with %s with 400', async (_what, body) => {
    const r = await post(body);
    expect(r.status).toBe(400);
    expect(r.status).not.toBe(500);
  });

  it('refuses a simple GET without a preflight header (CSRF) with 400, and serves one with it', async () => {
    const q = encodeURIComponent('{ __typename }');
    const plain = await send(`/graphql?query=${q}`, { headers: { authorization: `Bearer ${api.adminToken}` } });
    expect(plain.status).toBe(400);
    expect(plain.text).toMatch(/CSRF|preflight/i);
    const preflighted = await send(`/graphql?query=${q}`, {
      headers: { authorization: `Bearer ${api.adminToken}`, 'apollo-require-preflight': 'true' },
    });
    expect(preflighted.status).toBe(200);
    expect(preflighted.json).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a simple text/plain POST (CSRF) without running it', async () => {
    const r = await post(
      JSON.stringify({ query: 'mutation { createRegisteredModel(input: { name: "csrf" }) { registeredModel { name } } }' }),
      { 'content-type': 'text/plain' },
    );
    expect(r.status).toBe(400);
    expect((await api.data(FoundationModelNameDocument, { name: 'csrf' })).registeredModel).toBeNull();
  });

  it('answers a malformed Authorization header with 401 UNAUTHENTICATED', async () => {
    const r = await post(JSON.stringify({ query: '{ __typename }' }), { authorization: 'Basic dXNlcjpwYXNz' });
    expect(r.status).toBe(401);
    expect(errorCodes(r)).toEqual(['UNAUTHENTICATED']);
  });

  it('answers a 401 with WWW-Authenticate: Bearer and the request id', async () => {
    const bad = await post(JSON.stringify({ query: '{ __typename }' }), { authorization: 'Bearer mg_not-a-real-token' });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer realm="modelgate", error="invalid_token"');
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const malformed = await post(JSON.stringify({ query: '{ __typename }' }), {
      authorization: 'Basic dXNlcjpwYXNz',
      'x-request-id': 'bot-7',
    });
    expect(malformed.headers.get('www-authenticate')).toBe('Bearer realm="modelgate", error="invalid_request"');
    expect(malformed.headers.get('x-request-id')).toBe('bot-7');
  });

  it('tells a plain `curl -d` (a form, not JSON) what to send, with the request id', async () => {
    const r = await post('{"query":"{ __typename }"}', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(r.status).toBe(400);
    expect(r.json.errors![0].message).toContain('content-type: application/json');
    expect(r.json.errors![0].message).toContain('application/x-www-form-urlencoded');
    expect(r.headers.get('x-request-id')).toBe(r.json.errors![0].extensions!.requestId);
    const bare = await send('/graphql', { method: 'POST', body: Buffer.from('{"query":"{ __typename }"}') });
    expect(bare.status).toBe(400);
    expect(bare.json.errors![0].message).toMatch(/no content type.*content-type: application\/json/);
  });

  it('keeps serving after all of that', async () => {
    const created = await api.data(FoundationCreateModelDocument, { input: { name: 'still-serving' } });
    expect(created.createRegisteredModel.registeredModel.name).toBe('still-serving');
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  });

  it('never answered with a 500, a stack trace, a file path or SQL', () => {
    expect(bodies.length).toBeGreaterThan(15);
    for (const body of bodies) {
      expect(body).not.toMatch(/\n\s+at /);
      expect(body).not.toMatch(/\bat [\w.<>]+ \(/);
      expect(body).not.toMatch(/(\/|\\)(src|dist|node_modules|work|home|tmp)(\/|\\)/);
      expect(body).not.toMatch(/\.(ts|js):\d+/);
      expect(body).not.toMatch(/\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b.*\b(FROM|SET|VALUES|WHERE)\b/i);
      expect(body).not.toContain('stacktrace');
      expect(body).not.toContain('INTERNAL_SERVER_ERROR');
    }
  });
});

describe('health, readiness and metrics', () => {
  it('answers /healthz and, once migrated, /readyz with 200', async () => {
    const health = await fetch(`${api.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('exposes Prometheus text: requests by operation and SQL statements, both counting up', async () => {
    const scrape = async () => {
      const response = await fetch(`${api.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
      return response.text();
    };
    const value = (text: string, series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(series + ' '));
      return line ? Number(line.slice(series.length + 1)) : 0;
    };
    const requests = 'modelgate_graphql_requests_total{operation="FoundationModelName",outcome="ok"}';
    const statements = 'modelgate_db_statements_total';

    const before = await scrape();
    expect(before).toContain('# TYPE modelgate_graphql_requests_total counter');
    expect(before).toContain('# TYPE modelgate_db_statements_total counter');
    const result = await api.gql(FoundationModelNameDocument, { name: 'still-serving' });
    expect(result.statements).toBeGreaterThan(0);
    const after = await scrape();
    expect(value(after, requests)).toBe(value(before, requests) + 1);
    expect(value(after, statements)).toBeGreaterThanOrEqual(value(before, statements) + result.statements);
    expect(after).toMatch(/^modelgate_graphql_request_duration_seconds_count\{operation="FoundationModelName"\} \d+$/m);
  });

  it('counts refused requests by status and reason', async () => {
    const reasons = async () => {
      const text = await (await fetch(`${api.url}/metrics`)).text();
      const counts: Record<string, number> = {};
      for (const m of text.matchAll(/^modelgate_http_refused_requests_total\{status="(\d+)",reason="(\w+)"\} (\d+)$/gm)) {
        counts[`${m[1]} ${m[2]}`] = Number(m[3]);
      }
      return counts;
    };
    const before = await reasons();
    await post('{"query": "{ __typename }"', {}); // truncated JSON
    await post(JSON.stringify({ query: '{ __typename }' }), { authorization: 'Bearer mg_unknown' });
    await post(JSON.stringify({ query: '{ __typename }' }), { authorization: 'Token x' });
    await post(JSON.stringify({ query: '{' }));
    await post(JSON.stringify({ query: '{ noSuchField }' }));
    await post(JSON.stringify({ query: 'x'.repeat(1024 * 1024 + 10) }));
    await post('{}', { 'content-type': 'text/plain' });
    await send(`/graphql?query=${encodeURIComponent('{ __typename }')}`);
    const after = await reasons();
    const grew = Object.fromEntries(
      Object.entries(after)
        .map(([k, v]) => [k, v - (before[k] ?? 0)])
        .filter(([, d]) => d !== 0),
    );
    expect(grew).toEqual({
      '400 malformed_json': 1,
      '401 invalid_token': 1,
      '401 malformed_authorization': 1,
      '400 graphql_parse_failed': 1,
      '400 graphql_validation_failed': 1,
      '413 body_too_large': 1,
      '400 not_json': 1,
      '400 csrf': 1,
    });
  });

  it('passes the lint of `promtool check metrics` (no gauge named *_total), and promtool itself when installed', async () => {
    const text = await (await fetch(`${api.url}/metrics`)).text();
    const types = [...text.matchAll(/^# TYPE (\S+) (\w+)$/gm)].map((m) => ({ name: m[1], type: m[2] }));
    expect(types.length).toBeGreaterThan(10);
    for (const { name, type } of types) {
      if (type !== 'counter') expect(`${name} ${type}`).not.toMatch(/_total \w+$/);
      else expect(name).toMatch(/_total$/);
    }
    const promtool = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
    if (!promtool) return console.warn('promtool not installed (Debian: apt-get install prometheus): its own check skipped');
    const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('labels an operation with a hostile name as anonymous instead of trusting it', async () => {
    await api.gql('query { __typename }');
    const text = await (await fetch(`${api.url}/metrics`)).text();
    expect(text).toMatch(/^modelgate_graphql_requests_total\{operation="anonymous",outcome="ok"\} \d+$/m);
  });
});

describe('request ids', () => {
  it('keeps a valid incoming x-request-id', async () => {
    const r = await api.gql(FoundationModelNameDocument, { name: 'x' }, { headers: { 'x-request-id': 'trace-abc.123_Z' } });
    expect(r.headers.get('x-request-id')).toBe('trace-abc.123_Z');
  });

  it.each([
    ['none', undefined],
    ['one with spaces', 'a b'],
    ['one too long', 'x'.repeat(65)],
    ['one with a header injection', 'a\tb'],
  ])('makes a fresh one for %s', async (_what, given) => {
    const r = await api.gql(FoundationModelNameDocument, { name: 'x' }, { headers: given === undefined ? {} : { 'x-request-id': given } });
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('counts the SQL statements of each request in x-sql-statements', async () => {
    const r = await api.gql(FoundationModelNameDocument, { name: 'still-serving' });
    expect(r.headers.get('x-sql-statements')).toMatch(/^\d+$/);
    expect(codes(r)).toEqual([]);
  });
});

/** A GET without fetch's transparent decompression: the bytes as they travel. */
function raw(
  path: string,
  headers: Record<string, string>,
  on: TestApi = api,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    httpGet(`${on.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('compression', () => {
  async function post(query: string, acceptEncoding: string): Promise<Response> {
    return fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-encoding': acceptEncoding, authorization: `Bearer ${api.adminToken}` },
      body: JSON.stringify({ query }),
    });
  }

  it('compresses a JSON answer over 1 KiB with the encoding the client asked for, and leaves a small one alone', async () => {
    for (const encoding of ['gzip', 'br']) {
      const big = await post(getIntrospectionQuery(), encoding);
      expect(big.headers.get('content-encoding')).toBe(encoding);
      expect((await big.json()).data.__schema).toBeDefined();
    }
    const identity = await post(getIntrospectionQuery(), 'identity');
    expect(identity.headers.get('content-encoding')).toBeNull();
    await identity.text();
    const small = await post('{ __typename }', 'gzip, br');
    expect(small.headers.get('content-encoding')).toBeNull();
    expect(await small.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('GraphiQL', () => {
  it('serves the page to a browser, with no script or stylesheet from another host', async () => {
    const r = await send('/graphql', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.text).toContain('modelgate GraphiQL');
    const tags = r.text.match(/<(script|link)\b[^>]*>/gi) ?? [];
    expect(tags.length).toBeGreaterThan(0);
    for (const tag of tags) expect(tag).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    bodies.splice(bodies.indexOf(r.text), 1); // its bundled scripts are not an API answer
  });

  it('serves the page to a browser navigating to a GraphiQL link with ?query=..., and JSON to other clients', async () => {
    const path = `/graphql?query=${encodeURIComponent('{ viewer { name } }')}`;
    const r = await send(path, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    bodies.splice(bodies.indexOf(r.text), 1);
    const api = await send(path, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(api.headers.get('content-type')).toMatch(/json/);
  });

  it('sends the page compressed as asked, with an ETag that a revalidation answers with 304', async () => {
    const html = 'text/html,application/xhtml+xml,*/*;q=0.8';
    const plain = await raw('/graphql', { accept: html, 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    for (const encoding of ['gzip', 'br']) {
      const r = await raw('/graphql', { accept: html, 'accept-encoding': encoding });
      expect(r.status).toBe(200);
      expect(r.headers['content-encoding']).toBe(encoding);
      expect(r.body.length).toBeLessThan(plain.body.length / 3);
      const decoded = encoding === 'br' ? brotliDecompressSync(r.body) : gunzipSync(r.body);
      expect(decoded.equals(plain.body)).toBe(true);
      expect(r.headers.etag).toBe(plain.headers.etag);
    }
    expect(plain.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(plain.headers['cache-control']).toBe('no-cache');
    const again = await raw('/graphql', { accept: html, 'accept-encoding': 'gzip', 'if-none-match': plain.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('is not served when GRAPHIQL=false', async () => {
    const r = await send('/graphql', { headers: { accept: 'text/html' } }, locked);
    expect(r.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(r.text).not.toContain('GraphiQL');
    expect(r.status).toBe(400);
  });
});
