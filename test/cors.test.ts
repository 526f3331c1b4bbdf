import { startApi, type TestApi } from './support/api';

// A dashboard on its own origin calls the API from the browser. The browser asks first (an
// OPTIONS preflight) and reads the answer's Access-Control-* headers; these tests read them too.
// The browser's own verdict is in test/graphiql.browser.test.ts.
const DASHBOARD = 'https://dashboard.example.com';
let api: TestApi;
let closed: TestApi;
let open: TestApi;
beforeAll(async () => {
  [api, closed, open] = await Promise.all([
    startApi({ CORS_ORIGINS: `${DASHBOARD},http://localhost:3000` }),
    startApi(),
    startApi({ CORS_ORIGINS: '*', ALLOW_ANONYMOUS_READ: 'true' }),
  ]);
});
afterAll(() => Promise.all([api?.stop(), closed?.stop(), open?.stop()]));

function preflight(on: TestApi, origin: string): Promise<Response> {
  return fetch(`${on.url}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,idempotency-key',
    },
  });
}

describe('CORS', () => {
  it('answers the preflight of an allowed origin with its origin, the headers a client sends, and a max-age', async () => {
    const response = await preflight(api, DASHBOARD);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(',');
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'idempotency-key']));
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThanOrEqual(600);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toMatch(/origin/i);
  });

  it('answers the preflight of another origin without Access-Control-Allow-Origin (the browser refuses), not with a CSRF 400', async () => {
    for (const on of [api, closed]) {
      const response = await preflight(on, 'https://evil.example.net');
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('lets an allowed origin read the response and its x-request-id', async () => {
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { origin: DASHBOARD, 'content-type': 'application/json', authorization: `Bearer ${api.adminToken}` },
      body: JSON.stringify({ query: '{ viewer { name } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(response.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('x-request-id');
    expect(await response.json()).toEqual({ data: { viewer: { name: expect.stringMatching(/^bootstrap-admin/) } } });
  });

  it('allows any origin with CORS_ORIGINS=* (anonymous reads on), still without credentials', async () => {
    const response = await preflight(open, 'https://anyone.example.org');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
