import { newToken } from '../src/db/repositories/api-key.repository';
import { Role } from '../src/domain/roles';
import { createLogger } from '../src/http/logger';
import { codes, startApi, type TestApi } from './support/api';

// Stories about what the gateway shows and to whom, and the trace a refusal leaves: client
// mistakes get their own codes and no error-level log; failures get a request id to report.
const lines: string[] = [];
const logger = createLogger('trace', { write: (line: string) => void lines.push(line) });
const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
const METRICS_TOKEN = newToken();

/** Anonymous reads on, introspection for token holders only, /metrics behind a token. */
let api: TestApi;
/** The defaults: anonymous reads off, introspection on, /metrics open. */
let plain: TestApi;
beforeAll(async () => {
  [api, plain] = await Promise.all([
    startApi({ ALLOW_ANONYMOUS_READ: 'true', INTROSPECTION: 'authenticated', METRICS_TOKEN, LOG_LEVEL: 'trace' }, { logger }),
    startApi(),
  ]);
});
afterAll(() => Promise.all([api?.stop(), plain?.stop()]));

const post = (on: TestApi, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${on.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('client mistakes get their own codes and no error-level log', () => {
  it('answers a persisted query whose hash does not match its text with PERSISTED_QUERY_HASH_MISMATCH', async () => {
    const before = lines.length;
    const response = await post(
      api,
      { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } },
      { 'x-request-id': 'apq-1' },
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: unknown[] }).errors).toEqual([
      { message: 'provided sha does not match query', extensions: { code: 'PERSISTED_QUERY_HASH_MISMATCH' } },
    ]);
    expect(
      logged()
        .slice(before)
        .filter((l) => (l.level as number) >= 50),
    ).toEqual([]);
  });

  it('answers a subscription sent over HTTP with BAD_USER_INPUT', async () => {
    const before = lines.length;
    const response = await post(api, { query: 'subscription S { registryEvents { id } }' }, { authorization: `Bearer ${api.adminToken}` });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    expect(body.errors[0].message).toMatch(/served over WebSocket/);
    expect(
      logged()
        .slice(before)
        .filter((l) => (l.level as number) >= 50),
    ).toEqual([]);
  });
});

describe('authentication leaves a trace', () => {
  it('logs a refused token at warn with the request id, client address and reason, never the token, and counts it', async () => {
    const unknown = newToken();
    const before = lines.length;
    const refused = await post(api, { query: '{ __typename }' }, { authorization: `Bearer ${unknown}`, 'x-request-id': 'auth-unknown' });
    expect(refused.status).toBe(401);
    const malformed = await post(api, { query: '{ __typename }' }, { authorization: 'Basic abc', 'x-request-id': 'auth-malformed' });
    expect(malformed.status).toBe(401);

    const entries = logged().slice(before);
    expect(entries.find((l) => l.requestId === 'auth-unknown')).toMatchObject({
      level: 40,
      msg: 'authentication refused',
      client: expect.stringMatching(/127\.0\.0\.1$/),
      reason: 'unknown_or_revoked_token',
    });
    expect(entries.find((l) => l.requestId === 'auth-malformed')).toMatchObject({ level: 40, reason: 'malformed_header' });
    expect(JSON.stringify(entries)).not.toContain(unknown);

    const metrics = await (await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(metrics).toMatch(/^modelgate_auth_failures_total\{reason="unknown_or_revoked_token"\} 1$/m);
    expect(metrics).toMatch(/^modelgate_auth_failures_total\{reason="malformed_header"\} 1$/m);
  });

  it('logs a failure to look the token up (database down) with the request id, and returns the id', async () => {
    const before = lines.length;
    await api.db.prisma.$executeRawUnsafe('ALTER TABLE "ApiKey" RENAME TO "ApiKey_gone"');
    let response: Response;
    try {
      response = await post(api, { query: '{ __typename }' }, { authorization: `Bearer ${api.adminToken}`, 'x-request-id': 'ctx-down-1' });
    } finally {
      await api.db.prisma.$executeRawUnsafe('ALTER TABLE "ApiKey_gone" RENAME TO "ApiKey"');
    }
    expect(response.status).toBe(500);
    expect(response.headers.get('x-request-id')).toBe('ctx-down-1');
    expect(await response.json()).toEqual({
      errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'ctx-down-1' } }],
    });
    expect(logged().slice(before)).toContainEqual(
      expect.objectContaining({ level: 50, requestId: 'ctx-down-1', msg: 'could not resolve the API token', err: expect.any(Object) }),
    );
  });
});

describe('what is shown to whom', () => {
  it('shows a Principal by node(id:) to itself and to ADMIN, to no one else', async () => {
    const viewerToken = await api.token('exposure-viewer', [Role.VIEWER]);
    const otherToken = await api.token('exposure-other', [Role.APPROVER]);
    const idOf = async (token: string) =>
      (await api.data<{ viewer: { id: string } }, never>('{ viewer { id } }', undefined, { token })).viewer.id;
    const viewerId = await idOf(viewerToken);
    const adminId = await idOf(api.adminToken);
    const node = async (id: string, token: string | null) =>
      (await api.data<{ node: unknown }, never>(`{ node(id: "${id}") { ... on Principal { name roles } } }`, undefined, { token })).node;

    expect(await node(adminId, null)).toBeNull();
    expect(await node(viewerId, null)).toBeNull();
    expect(await node(adminId, viewerToken)).toBeNull();
    expect(await node(viewerId, otherToken)).toBeNull();
    expect(await node(viewerId, viewerToken)).toEqual({ name: 'exposure-viewer', roles: ['VIEWER'] });
    expect(await node(viewerId, api.adminToken)).toEqual({ name: 'exposure-viewer', roles: ['VIEWER'] });
    expect(await node(adminId, api.adminToken)).toMatchObject({ roles: ['ADMIN'] });
  });

  it('INTROSPECTION=authenticated: the schema only for a valid token, even with anonymous reads on', async () => {
    const introspect = { query: '{ __schema { queryType { name } } }' };
    const anonymous = await post(api, introspect);
    expect(anonymous.status).toBe(401);
    expect(codes((await anonymous.json()) as never)).toEqual(['UNAUTHENTICATED']);
    const viaType = await post(api, { query: '{ a: __typename t: __type(name: "Query") { name } }' });
    expect(viaType.status).toBe(401);
    // Reading data anonymously still works; so does __typename.
    expect(await (await post(api, { query: '{ __typename }' })).json()).toEqual({ data: { __typename: 'Query' } });
    const withToken = await post(api, introspect, { authorization: `Bearer ${api.adminToken}` });
    expect(await withToken.json()).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    // The default (true) answers everyone, as GraphiQL needs before a token is entered.
    expect(await (await post(plain, introspect)).json()).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('METRICS_TOKEN: /metrics only with that bearer token; open by default', async () => {
    expect((await fetch(`${api.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${newToken()}` } })).status).toBe(401);
    expect((await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${api.adminToken}` } })).status).toBe(401);
    const allowed = await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('modelgate_graphql_requests_total');
    expect((await fetch(`${plain.url}/metrics`)).status).toBe(200);
  });
});
