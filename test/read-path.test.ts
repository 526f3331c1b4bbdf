import { GovRevokeApiKeyDocument, GovViewerDocument, RegDashboardDocument } from './__generated__/graphql';
import { createDatabase, databaseTarget } from '../src/db/client';
import { loadConfig } from '../src/config';
import { Role } from '../src/domain/roles';
import { createGateway } from '../src/http/app';
import { createLogger } from '../src/http/logger';
import { codes, startApi, type TestApi } from './support/api';
import { seeder } from './support/registry-seed';

/**
 * The read path's statement budget (a lookup: its API key and one statement) and the API-key
 * cache: most requests check their key without the database, a revocation is refused from the
 * next request on in its own process and within one second in another.
 */
const LOOKUP = `query Lookup($name: String!, $alias: String, $version: Int) {
  modelVersion(name: $name, alias: $alias, version: $version) { id version stage source metrics { key value } tags { key value } }
}`;
type LookupData = {
  modelVersion: {
    version: number;
    stage: string;
    source: string;
    metrics: { key: string; value: number }[];
    tags: { key: string; value: string }[];
  } | null;
};

async function seed(api: TestApi) {
  const s = seeder(api);
  await s.model('lk', [{ key: 'team', value: 'x' }]);
  await s.version('lk', { metrics: [{ key: 'loss', value: 1 / 3 }], tags: [{ key: 'b', value: '2' }] });
  await s.version('lk', {
    metrics: [
      { key: 'auc', value: 0.91 },
      { key: 'loss', value: 0.1 + 0.2 },
    ],
    tags: [
      { key: 'z', value: 'last' },
      { key: 'a', value: 'first' },
    ],
  });
  await s.alias('lk', 'champion', 2);
}

describe('a lookup', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
    await seed(api);
  });
  afterAll(() => api.stop());

  it('runs 2 statements by alias or by number (its API key, then the version with its metrics and tags)', async () => {
    const byAlias = await api.gql<LookupData, object>(LOOKUP, { name: 'lk', alias: 'champion' });
    expect(byAlias.errors).toBeUndefined();
    expect(byAlias.data!.modelVersion).toMatchObject({
      version: 2,
      stage: 'NONE',
      metrics: [
        { key: 'auc', value: 0.91 },
        { key: 'loss', value: 0.1 + 0.2 },
      ],
      tags: [
        { key: 'a', value: 'first' },
        { key: 'z', value: 'last' },
      ],
    });
    expect(byAlias.statements).toBe(2);
    const byNumber = await api.gql<LookupData, object>(LOOKUP, { name: 'lk', version: 1 });
    expect(byNumber.data!.modelVersion).toMatchObject({
      version: 1,
      metrics: [{ key: 'loss', value: 1 / 3 }],
      tags: [{ key: 'b', value: '2' }],
    });
    expect(byNumber.statements).toBe(2);
  });

  it('answers null for an unknown model, alias or number, and hides a deleted version', async () => {
    for (const vars of [
      { name: 'nope', alias: 'champion' },
      { name: 'lk', alias: 'nope' },
      { name: 'lk', version: 9 },
    ]) {
      const r = await api.gql<LookupData, object>(LOOKUP, vars);
      expect(r.data!.modelVersion).toBeNull();
    }
    const s = seeder(api);
    await s.version('lk');
    await api.gql(`mutation { deleteModelVersion(input: { name: "lk", version: 3 }) { deletedVersion } }`);
    expect((await api.gql<LookupData, object>(LOOKUP, { name: 'lk', version: 3 })).data!.modelVersion).toBeNull();
  });

  it('keeps versions.totalCount right through creates and deletes (the count kept on the model row)', async () => {
    const count = async () => (await api.data(RegDashboardDocument, { first: 10 })).registeredModels.edges[0].node.versions.totalCount;
    expect(await count()).toBe(2); // versions 1 and 2; 3 was deleted
    await seeder(api).version('lk');
    expect(await count()).toBe(3);
    await api.gql(`mutation { deleteModelVersion(input: { name: "lk", version: 4 }) { deletedVersion } }`);
    expect(await count()).toBe(2);
    const model = await api.db.prisma.registeredModel.findUniqueOrThrow({ where: { name: 'lk' } });
    expect(model.liveVersions).toBe(await api.db.prisma.modelVersion.count({ where: { modelId: model.id, deletedAt: null } }));
  });
});

describe('the API-key cache (API_KEY_CACHE_MS=1000)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi({ API_KEY_CACHE_MS: '1000' });
    await seed(api);
  });
  afterAll(() => api.stop());

  it('checks a key without the database while it is fresh: a dashboard then runs 3 statements, a lookup 1', async () => {
    // Two requests well within the time to live; retried if the machine stalled between them.
    let checked = false;
    for (let attempt = 0; attempt < 5 && !checked; attempt++) {
      const started = Date.now();
      const first = await api.gql(RegDashboardDocument, { first: 5 });
      const dashboard = await api.gql(RegDashboardDocument, { first: 5 });
      const lookup = await api.gql<LookupData, object>(LOOKUP, { name: 'lk', alias: 'champion' });
      if (Date.now() - started > 900) continue;
      expect(first.statements).toBeLessThanOrEqual(4);
      expect(dashboard.statements).toBe(3);
      expect(lookup.statements).toBe(1);
      expect(lookup.data!.modelVersion!.version).toBe(2);
      checked = true;
    }
    expect(checked).toBe(true);
  });

  it('refuses a revoked key from the very next request in the process that revoked it', async () => {
    const token = await api.token('soon-revoked', [Role.VIEWER]);
    expect((await api.gql(GovViewerDocument, {}, { token })).status).toBe(200);
    expect((await api.gql(GovViewerDocument, {}, { token })).statements).toBe(0); // from the cache
    expect(codes(await api.gql(GovRevokeApiKeyDocument, { input: { name: 'soon-revoked' } }))).toEqual([]);
    const refused = await api.gql(GovViewerDocument, {}, { token });
    expect(refused.status).toBe(401);
    expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a key revoked by another gateway on the same database within one second', async () => {
    const other = await createGateway(
      loadConfig({ DATABASE_URL: api.databaseUrl, LOG_LEVEL: 'silent', API_KEY_CACHE_MS: '1000', DB_POOL_SIZE: '2' }),
      createDatabase(databaseTarget(api.databaseUrl, 2)),
      createLogger('silent'),
    );
    try {
      const port = await other.listen(0, '127.0.0.1');
      const viaOther = (token: string) =>
        fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ viewer { name } }' }),
        });
      const token = await api.token('revoked-elsewhere', [Role.VIEWER]);
      expect((await viaOther(token)).status).toBe(200); // now cached in the other gateway
      expect(codes(await api.gql(GovRevokeApiKeyDocument, { input: { name: 'revoked-elsewhere' } }))).toEqual([]);
      const revokedAt = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - revokedAt < 3000) {
        status = (await viaOther(token)).status;
        if (status === 200) await new Promise((r) => setTimeout(r, 25));
      }
      expect(status).toBe(401);
      // The cached entry lives at most 1 s from the read that filled it, which preceded the revocation.
      expect(Date.now() - revokedAt).toBeLessThanOrEqual(1000 + 250);
    } finally {
      await other.stop();
    }
  });
});
