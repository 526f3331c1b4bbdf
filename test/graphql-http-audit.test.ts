import { auditServer } from 'graphql-http';
import { startApi, type TestApi } from './support/api';
import { testProvider } from './support/databases';

// The GraphQL over HTTP audit (graphql-http's own suite) against the real gateway. Every MUST
// passes. The SHOULD and MAY items we depart from are listed here and explained in the README
// ("GraphQL over HTTP conformance"); a new departure, or one fixed, fails this test.
const describeOnce = testProvider() === 'sqlite' ? describe : describe.skip;

const KNOWN_SHOULD = {
  '572B': 'SHOULD use 200 status code on document parsing failure when accepting application/json',
  FDE2: 'SHOULD use 200 status code on document validation failure when accepting application/json',
  '7B9B': 'SHOULD use a status code of 200 on variable coercion failure when accepting application/json',
};
const KNOWN_MAY = {
  '5A70': 'MAY accept application/x-www-form-urlencoded formatted GET requests',
  D6D5: 'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
  '6A70': 'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
};

describeOnce('graphql-http audit', () => {
  let api: TestApi;
  beforeAll(async () => {
    // The audit sends no token: anonymous reads let its queries run.
    api = await startApi({ ALLOW_ANONYMOUS_READ: 'true' });
  });
  afterAll(() => api?.stop());

  it('passes every MUST, and departs only from the SHOULD and MAY items the README explains', async () => {
    const results = await auditServer({ url: `${api.url}/graphql` });
    const failing = (level: string) =>
      Object.fromEntries(results.filter((r) => r.name.startsWith(level) && r.status !== 'ok').map((r) => [r.id, r.name]));
    console.log(
      ['MUST', 'SHOULD', 'MAY']
        .map((level) => {
          const all = results.filter((r) => r.name.startsWith(level));
          return `${level} ${all.filter((r) => r.status === 'ok').length}/${all.length}`;
        })
        .join(', '),
    );
    expect(failing('MUST')).toEqual({});
    expect(failing('SHOULD')).toEqual(KNOWN_SHOULD);
    expect(failing('MAY')).toEqual(KNOWN_MAY);
  });
});
