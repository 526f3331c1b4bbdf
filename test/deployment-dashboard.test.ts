import { DepDashboardDocument } from './__generated__/graphql';
import { startApi, type TestApi } from './support/api';
import { setStage } from './support/registry-seed';
import type { Principal } from '../src/domain/roles';
import { Role } from '../src/domain/roles';
import { createServices } from '../src/services';

/**
 * What runs where, for every environment: environments -> current deployments -> version ->
 * model, with outOfPolicy and stats. With per-request DataLoaders the statement count is the same
 * however many environments and deployments there are:
 *  1 the API token, 2 the environments, 3 the current deployments of all of them (with their
 *  model's name, the order), 4 their versions, 5 those versions' models, 6 the stats of every
 *  environment (one groupBy). `environment` and `outOfPolicy` read what is loaded already.
 */
const DASHBOARD_STATEMENTS = 6;
/** Deployments newest first, each with its environment, version, model and rollbackOf: 1 token, 2 page, 3 totalCount, 4 environments, 5 versions, 6 models, 7 rolled-back deployments. */
const LIST_STATEMENTS = 7;
/** Models with their current deployments: 1 token, 2 models, 3 current deployments, 4 environments, 5 versions. */
const MODELS_STATEMENTS = 5;

const ENVIRONMENTS = 100;
const MODELS = 8;

let api: TestApi;
const services = () => createServices(api.db);
const actor: Principal = { id: 1, name: 'seed-bot', roles: [Role.ADMIN] };

/** Deploys version `version` of every model to every environment, through the services (fast, same rules). */
async function deployEverywhere(version: number): Promise<void> {
  const s = services();
  const work: Promise<unknown>[] = [];
  for (let m = 0; m < MODELS; m++) {
    work.push(
      (async () => {
        for (let e = 0; e < ENVIRONMENTS; e++) {
          const d = await s.deployments.start(actor, { name: `model-${m}`, version, environment: `env-${String(e).padStart(3, '0')}` });
          await s.deployments.report(actor, d.id, {
            status: e % 10 === 9 ? 'FAILED' : 'SUCCEEDED',
            endpointUrl: `https://m${m}.e${e}.example.com/`,
          });
        }
      })(),
    );
  }
  await Promise.all(work);
}

beforeAll(async () => {
  api = await startApi();
  const s = services();
  for (let e = 0; e < ENVIRONMENTS; e++) {
    await s.environments.create(actor, {
      name: `env-${String(e).padStart(3, '0')}`,
      requiredStage: (['NONE', 'STAGING', 'PRODUCTION'] as const)[e % 3],
    });
  }
  for (let m = 0; m < MODELS; m++) {
    await s.models.create(actor, { name: `model-${m}` });
    for (let v = 1; v <= 2; v++) {
      await s.versions.create(actor, { name: `model-${m}`, source: `s3://m/${m}/${v}` });
      await setStage(api, `model-${m}`, v, 'PRODUCTION');
    }
  }
  await deployEverywhere(1);
}, 600_000);
afterAll(() => api.stop());

async function dashboardStatements(first: number) {
  // The first request after a long in-process seed may find the test client's kept-alive socket
  // closed under it (ECONNRESET, before the gateway sees anything): send it once more.
  const result = await api.gql(DepDashboardDocument, { first }).catch(() => api.gql(DepDashboardDocument, { first }));
  expect(result.errors).toBeUndefined();
  expect(result.data!.environments).toHaveLength(ENVIRONMENTS);
  return { statements: result.statements, data: result.data! };
}

describe('the deployments dashboard', () => {
  it(`runs exactly ${DASHBOARD_STATEMENTS} statements for ${ENVIRONMENTS} environments, whatever the page size and the number of deployments`, async () => {
    const counts: number[] = [];
    for (const first of [1, 5, 100]) counts.push((await dashboardStatements(first)).statements);
    // Twice the deployments (version 2 everywhere), one moved out of policy, some rollbacks: the same count.
    await deployEverywhere(2);
    await setStage(api, 'model-0', 2, 'ARCHIVED');
    // And the three newest deployments are rollbacks (the list below reads their rollbackOf).
    for (const env of ['env-001', 'env-002', 'env-003']) {
      const back = await services().deployments.rollback(actor, { name: 'model-1', environment: env });
      await services().deployments.report(actor, back.id, { status: 'SUCCEEDED' });
    }
    for (const first of [1, 5, 100]) counts.push((await dashboardStatements(first)).statements);
    expect(counts).toEqual(counts.map(() => DASHBOARD_STATEMENTS));
  }, 600_000);

  it('returns every relation right', async () => {
    const { data } = await dashboardStatements(100);
    const env = data.environments.find((e) => e.name === 'env-000')!;
    expect(env.requiredStage).toBe('NONE');
    expect(env.stats).toEqual({ succeeded: 2 * MODELS, failed: 0, active: 0, successRate: 1 });
    expect(env.currentDeployments.totalCount).toBe(MODELS);
    expect(env.currentDeployments.edges.map((e) => e.node.modelVersion.model.name)).toEqual(
      Array.from({ length: MODELS }, (_, m) => `model-${m}`),
    );
    const first = env.currentDeployments.edges[0].node;
    expect(first).toMatchObject({
      status: 'SUCCEEDED',
      isCurrent: true,
      outOfPolicy: true,
      environment: { name: 'env-000' },
      modelVersion: { version: 2, stage: 'ARCHIVED', model: { name: 'model-0' } },
      endpointUrl: 'https://m0.e0.example.com/',
    });
    expect(env.currentDeployments.edges.slice(1).every((e) => !e.node.outOfPolicy && e.node.modelVersion.version === 2)).toBe(true);
    // Every tenth environment failed both times: its current deployments are none, its success rate 0.
    const failing = data.environments.find((e) => e.name === 'env-009')!;
    expect(failing.stats).toMatchObject({ succeeded: 0, failed: 2 * MODELS, successRate: 0 });
    expect(failing.currentDeployments.totalCount).toBe(0);
  });

  it(`lists deployments and models' current deployments in a fixed number of statements`, async () => {
    const list = `query($first: Int) { deployments(first: $first) { totalCount edges { node {
      id status outOfPolicy environment { name requiredStage } modelVersion { version model { name } } rollbackOf { id }
    } } } }`;
    const models = `query($first: Int) { registeredModels(first: $first) { edges { node {
      name currentDeployments { isCurrent outOfPolicy environment { name } modelVersion { version } }
    } } } }`;
    const counts: number[][] = [[], []];
    for (const first of [2, 20, 100]) {
      const a = await api.gql(list, { first });
      const b = await api.gql(models, { first: Math.min(first, MODELS) });
      expect(a.errors ?? b.errors).toBeUndefined();
      counts[0].push(a.statements);
      counts[1].push(b.statements);
    }
    expect(counts).toEqual([
      [LIST_STATEMENTS, LIST_STATEMENTS, LIST_STATEMENTS],
      [MODELS_STATEMENTS, MODELS_STATEMENTS, MODELS_STATEMENTS],
    ]);
  });

  it("pages every environment's history in one statement, reading first + 1 rows of each", async () => {
    const page = `deployments(first: 2, filter: { status: [SUCCEEDED, FAILED] }) {
      totalCount edges { node { id status } } pageInfo { hasNextPage endCursor } }`;
    const all = await api.gql(`{ environments { name ${page} } }`);
    expect(all.errors).toBeUndefined();
    // token, environments, the first pages of all of them, their counts (one grouped statement)
    expect(all.statements).toBe(4);
    type Listed = { totalCount: number; edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    const lists = (all.data as { environments: { name: string; deployments: Listed }[] }).environments;
    expect(lists).toHaveLength(ENVIRONMENTS);
    // Each is what the environment's own list says, asked alone.
    for (const { name, deployments } of lists.filter((_, i) => i % 25 === 1)) {
      const alone = await api.data(`query($name: String!) { environment(name: $name) { ${page} } }`, { name });
      expect((alone as { environment: { deployments: Listed } }).environment.deployments).toEqual(deployments);
      expect(deployments.edges).toHaveLength(2);
      expect(deployments.pageInfo.hasNextPage).toBe(deployments.totalCount > 2);
    }
    // A later page continues from the cursor of the shared first page.
    const { name, deployments } = lists[1];
    const next = await api.data(
      `query($name: String!, $after: String) { environment(name: $name) {
      deployments(first: 100, after: $after, filter: { status: [SUCCEEDED, FAILED] }) { edges { node { id } } } } }`,
      {
        name,
        after: deployments.pageInfo.endCursor,
      },
    );
    const rest = (next as { environment: { deployments: Listed } }).environment.deployments.edges.map((e) => e.node.id);
    expect(rest).toHaveLength(deployments.totalCount - 2);
    expect(rest).not.toContain(deployments.edges[1].node.id);
  });
});
