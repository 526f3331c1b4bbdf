import { RegDashboardDocument } from './__generated__/graphql';
import { codes, startApi, type TestApi } from './support/api';
import { seeder } from './support/registry-seed';
import { loadConfig } from '../src/config';

/**
 * The dashboard: every relation of 5, 50 or 100 models in one request. With per-request
 * DataLoaders the number of SQL statements is the same for any page size:
 *  1 the API token, 2 the page of models, 3 their totalCount, 4 every child list of the page's
 *  models in one statement (tags; aliases with their versions; the newest version per stage with
 *  its metrics and tags; the first 5 versions; the live version count kept on the model row),
 *  each part an index-bounded subquery per model, so it reads no more rows than it returns.
 */
const DASHBOARD_STATEMENTS = 4;
const MODELS = 105;

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
  const seed = seeder(api);
  const one = async (i: number) => {
    const name = `dash-${String(i).padStart(3, '0')}`;
    await seed.model(name, [
      { key: 'team', value: `t${i % 7}` },
      { key: 'tier', value: i % 2 ? 'gold' : 'silver' },
    ]);
    for (let v = 1; v <= 4 + (i % 3); v++) {
      await seed.version(name, {
        tags: [{ key: 'framework', value: 'xgboost' }],
        metrics: [
          { key: 'auc', value: 0.5 + v / 100 },
          { key: 'loss', value: 1 / v },
        ],
      });
    }
    await seed.alias(name, 'champion', 2);
    await seed.alias(name, 'challenger', 3);
  };
  for (let i = 0; i < MODELS; i += 5) await Promise.all([0, 1, 2, 3, 4].map((j) => one(i + j)));
  const p = api.db.prisma;
  await p.modelVersion.updateMany({ where: { version: 1 }, data: { stage: 'ARCHIVED' } });
  await p.modelVersion.updateMany({ where: { version: 2 }, data: { stage: 'PRODUCTION' } });
  await p.modelVersion.updateMany({ where: { version: 3 }, data: { stage: 'STAGING' } });
}, 300_000);
afterAll(() => api.stop());

describe('the dashboard query', () => {
  it(`runs exactly ${DASHBOARD_STATEMENTS} SQL statements for 5, 50 and 100 models`, async () => {
    const counts: number[] = [];
    for (const first of [5, 50, 100]) {
      const result = await api.gql(RegDashboardDocument, { first });
      expect(result.errors).toBeUndefined();
      expect(result.data!.registeredModels.edges).toHaveLength(first);
      expect(result.data!.registeredModels.totalCount).toBe(MODELS);
      counts.push(result.statements);
    }
    expect(counts).toEqual([DASHBOARD_STATEMENTS, DASHBOARD_STATEMENTS, DASHBOARD_STATEMENTS]);
  });

  it('returns every relation right', async () => {
    const data = await api.data(RegDashboardDocument, { first: 3 });
    const [m0, m1, m2] = data.registeredModels.edges.map((e) => e.node);
    expect(m0).toEqual({
      name: 'dash-000',
      tags: [
        { key: 'team', value: 't0' },
        { key: 'tier', value: 'silver' },
      ],
      aliases: [
        { alias: 'challenger', version: { version: 3 } },
        { alias: 'champion', version: { version: 2 } },
      ],
      latestVersions: [
        {
          version: 4,
          stage: 'NONE',
          metrics: [
            { key: 'auc', value: 0.54 },
            { key: 'loss', value: 0.25 },
          ],
          tags: [{ key: 'framework', value: 'xgboost' }],
        },
        {
          version: 3,
          stage: 'STAGING',
          metrics: [
            { key: 'auc', value: 0.53 },
            { key: 'loss', value: 1 / 3 },
          ],
          tags: [{ key: 'framework', value: 'xgboost' }],
        },
        {
          version: 2,
          stage: 'PRODUCTION',
          metrics: [
            { key: 'auc', value: 0.52 },
            { key: 'loss', value: 0.5 },
          ],
          tags: [{ key: 'framework', value: 'xgboost' }],
        },
        {
          version: 1,
          stage: 'ARCHIVED',
          metrics: [
            { key: 'auc', value: 0.51 },
            { key: 'loss', value: 1 },
          ],
          tags: [{ key: 'framework', value: 'xgboost' }],
        },
      ],
      versions: {
        totalCount: 4,
        edges: [4, 3, 2, 1].map((v) => ({
          node: { version: v, stage: ['ARCHIVED', 'PRODUCTION', 'STAGING', 'NONE'][Math.min(v, 4) - 1] },
        })),
      },
    });
    expect(m1.versions.totalCount).toBe(5);
    expect(m1.latestVersions.map((v) => [v.stage, v.version])).toEqual([
      ['NONE', 5],
      ['STAGING', 3],
      ['PRODUCTION', 2],
      ['ARCHIVED', 1],
    ]);
    expect(m2.versions.totalCount).toBe(6);
    expect(m2.versions.edges.map((e) => e.node.version)).toEqual([6, 5, 4, 3, 2]);
  });
});

describe('query limits', () => {
  it('keeps the defaults that let the dashboard of 100 models through', () => {
    const defaults = loadConfig({});
    expect([defaults.maxQueryDepth, defaults.maxQueryCost]).toEqual([12, 10_000]);
  });

  it('refuses a costlier query with BAD_USER_INPUT naming the limit, before anything runs', async () => {
    const costly = `query { registeredModels(first: 100) { edges { node { name versions(first: 100) { edges { node { version tags { key value } } } } } } } }`;
    const result = await api.gql(costly);
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0].extensions).toMatchObject({ limit: 'MAX_QUERY_COST', max: 10_000 });
    expect(result.errors![0].message).toMatch(/^Query cost \d+ exceeds the maximum query cost of 10000$/);
    expect(result.data).toBeUndefined();
    // Only the token lookup ran.
    expect(result.statements).toBe(1);
  });

  it('refuses a deeper query with BAD_USER_INPUT naming the limit, before anything runs', async () => {
    const deep = `query { modelVersion(name: "dash-000", version: 1) { model { versions(first: 1) { edges { node { model { versions(first: 1) { edges { node { model { aliases { version { version } } } } } } } } } } } } }`;
    const result = await api.gql(deep);
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0].extensions).toMatchObject({ limit: 'MAX_QUERY_DEPTH', max: 12, actual: 13 });
    expect(result.statements).toBe(1);
  });

  it('costs the dashboard of 100 models 4601: under half the limit', async () => {
    const tight = await startApi({ MAX_QUERY_COST: '4600' });
    try {
      const refused = await tight.gql(RegDashboardDocument, { first: 100 });
      expect(refused.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'MAX_QUERY_COST', actual: 4601 });
    } finally {
      await tight.stop();
    }
  });
});

describe('without DataLoaders (the benchmark N+1 baseline)', () => {
  it('answers the same, with statements growing with the page', async () => {
    const naive = await startApi({ DATALOADERS: 'false' });
    try {
      const seed = seeder(naive);
      for (let i = 0; i < 4; i++) {
        await seed.model(`n-${i}`, [{ key: 'k', value: String(i) }]);
        await seed.version(`n-${i}`, { metrics: [{ key: 'auc', value: i }] });
        await seed.version(`n-${i}`);
        await seed.alias(`n-${i}`, 'champion', 1);
      }
      const two = await naive.gql(RegDashboardDocument, { first: 2 });
      const four = await naive.gql(RegDashboardDocument, { first: 4 });
      expect(four.errors).toBeUndefined();
      expect(four.data!.registeredModels.edges[3].node).toMatchObject({
        name: 'n-3',
        tags: [{ key: 'k', value: '3' }],
        aliases: [{ alias: 'champion', version: { version: 1 } }],
        latestVersions: [{ version: 2, stage: 'NONE', metrics: [] }],
        versions: { totalCount: 2, edges: [{ node: { version: 2 } }, { node: { version: 1 } }] },
      });
      expect(four.statements).toBeGreaterThan(two.statements);
    } finally {
      await naive.stop();
    }
  });
});
