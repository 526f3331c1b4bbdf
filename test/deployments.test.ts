import {
  DepCancelDocument,
  DepDeploymentsDocument,
  DepEnvironmentDocument,
  DepModelDocument,
  DepNodeDocument,
  DepReportDocument,
  DepStartDocument,
  RegDeleteVersionDocument,
} from './__generated__/graphql';
import { auditActions, deployed, environment, modelWithStages, refused, report, start } from './deployment-fixtures';
import { startApi, type TestApi } from './support/api';
import { Role } from '../src/domain/roles';

// Semantics §3 rules 1 to 4 and 7, end to end: start, report, cancel, what is current, stats.
let api: TestApi;
let bot: string;
let otherBot: string;
let approver: string;
let viewer: string;
beforeAll(async () => {
  api = await startApi();
  bot = await api.token('deploy-bot', [Role.CONTRIBUTOR]);
  otherBot = await api.token('other-bot', [Role.CONTRIBUTOR]);
  approver = await api.token('approver', [Role.APPROVER]);
  viewer = await api.token('viewer', [Role.VIEWER]);
  await environment(api, 'prod-eu', 'PRODUCTION');
  await environment(api, 'staging', 'STAGING');
  await environment(api, 'dev', 'NONE');
  // fraud: v1 PRODUCTION, v2 STAGING, v3 NONE, v4 ARCHIVED
  await modelWithStages(api, 'fraud', ['PRODUCTION', 'STAGING', 'NONE', 'ARCHIVED']);
});
afterAll(() => api.stop());

const startAs = (token: string | undefined, name: string, version: number, env: string, config?: string) =>
  api.gql(DepStartDocument, { input: { name, version, environment: env, config } }, { token });
const reportAs = (
  token: string | undefined,
  id: string,
  status: 'PENDING' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED',
  extra = {},
) => api.gql(DepReportDocument, { input: { id, status, ...extra } }, { token });
const cancelAs = (token: string | undefined, id: string) => api.gql(DepCancelDocument, { input: { id, comment: 'stop' } }, { token });

describe('startDeployment', () => {
  it('records a PENDING deployment with its config as given, by whom, and writes DEPLOYMENT_STARTED', async () => {
    const result = await api.data(
      DepStartDocument,
      { input: { name: 'fraud', version: 1, environment: 'prod-eu', config: '{ "replicas": 3, "resources": { "gpu": 1 } }' } },
      { token: bot },
    );
    const d = result.startDeployment.deployment;
    expect(d).toMatchObject({
      status: 'PENDING',
      config: '{"replicas":3,"resources":{"gpu":1}}',
      endpointUrl: null,
      message: null,
      startedBy: 'deploy-bot',
      finishedAt: null,
      isCurrent: false,
      outOfPolicy: false,
      environment: { name: 'prod-eu', requiredStage: 'PRODUCTION' },
      modelVersion: { version: 1, stage: 'PRODUCTION', model: { name: 'fraud' } },
      rollbackOf: null,
    });
    const [event] = (await auditActions(api, ['DEPLOYMENT_STARTED'])).filter((e) => e.details.deploymentId === d.id);
    expect(event).toMatchObject({
      actor: 'deploy-bot',
      modelName: 'fraud',
      version: 1,
      details: { environment: 'prod-eu', stage: 'PRODUCTION', config: { replicas: 3, resources: { gpu: 1 } } },
    });
    expect((await api.data(DepNodeDocument, { id: d.id })).node).toMatchObject({ __typename: 'Deployment', status: 'PENDING' });
    await api.data(DepCancelDocument, { input: { id: d.id } }, { token: bot });
  });

  it('defaults config to {}', async () => {
    const id = await start(api, bot, 'fraud', 3, 'dev');
    expect((await api.data(DepNodeDocument, { id })).node).toMatchObject({ status: 'PENDING' });
    const listed = await api.data(DepDeploymentsDocument, { filter: { environment: 'dev', status: ['PENDING'] } });
    expect(listed.deployments.edges.map((e) => e.node.config)).toEqual(['{}']);
    await api.data(DepCancelDocument, { input: { id } }, { token: bot });
  });

  it.each([
    ['the model does not exist', 'nope', 1, 'prod-eu'],
    ['the version does not exist', 'fraud', 99, 'prod-eu'],
    ['the environment does not exist', 'fraud', 1, 'prod-us'],
    ['the environment name is not one', 'fraud', 1, 'Prod US'],
  ])('is NOT_FOUND when %s, and records nothing', async (_why, name, version, env) => {
    await refused(api, 'NOT_FOUND', () => startAs(bot, name, version, env));
  });

  it.each([
    ['an array', '[1, 2]'],
    ['not JSON', '{replicas: 3}'],
    ['null', 'null'],
    ['over 64 KiB', JSON.stringify({ blob: 'x'.repeat(64 * 1024) })],
  ])('refuses a config that is %s (BAD_USER_INPUT naming config)', async (_why, config) => {
    const error = await refused(api, 'BAD_USER_INPUT', () => startAs(bot, 'fraud', 1, 'prod-eu', config));
    expect(error.extensions).toMatchObject({ field: 'config' });
  });

  it.each([
    ['a STAGING version', 2, 'prod-eu'],
    ['a NONE version', 3, 'staging'],
    ['an ARCHIVED version', 4, 'dev'],
    ['an ARCHIVED version', 4, 'prod-eu'],
  ])('refuses %s where the environment does not admit it (POLICY_VIOLATION, REQUIRED_STAGE)', async (_what, version, env) => {
    const error = await refused(api, 'POLICY_VIOLATION', () => startAs(bot, 'fraud', version, env));
    expect(error.extensions!.violations).toEqual([{ rule: 'REQUIRED_STAGE', message: expect.any(String) }]);
  });

  it('admits what the gate admits: PRODUCTION and STAGING to a STAGING environment, anything live to NONE', async () => {
    for (const [version, env] of [
      [1, 'staging'],
      [2, 'staging'],
      [3, 'dev'],
      [1, 'dev'],
    ] as const) {
      const id = await start(api, bot, 'fraud', version, env);
      await api.data(DepCancelDocument, { input: { id } }, { token: bot });
    }
  });

  it('refuses a deleted version (CONFLICT)', async () => {
    await modelWithStages(api, 'gone', ['NONE', 'NONE']);
    await api.data(RegDeleteVersionDocument, { input: { name: 'gone', version: 1 } });
    await refused(api, 'CONFLICT', () => startAs(bot, 'gone', 1, 'dev'));
  });

  it('refuses a second deployment of the model to the environment while one is active (CONFLICT with existingDeploymentId)', async () => {
    const first = await start(api, bot, 'fraud', 1, 'prod-eu');
    const error = await refused(api, 'CONFLICT', () => startAs(otherBot, 'fraud', 1, 'prod-eu'));
    expect(error.extensions).toMatchObject({ existingDeploymentId: first });
    await reportAs(bot, first, 'IN_PROGRESS');
    expect((await refused(api, 'CONFLICT', () => startAs(bot, 'fraud', 1, 'prod-eu'))).extensions).toMatchObject({
      existingDeploymentId: first,
    });
    // Another environment is another slot.
    const elsewhere = await start(api, bot, 'fraud', 1, 'staging');
    await report(api, bot, first, 'FAILED');
    // A finished deployment frees the slot.
    const next = await start(api, bot, 'fraud', 1, 'prod-eu');
    for (const id of [elsewhere, next]) await api.data(DepCancelDocument, { input: { id } }, { token: bot });
  });

  it('needs CONTRIBUTOR (a VIEWER is FORBIDDEN)', async () => {
    await refused(api, 'FORBIDDEN', () => startAs(viewer, 'fraud', 1, 'prod-eu'));
  });
});

describe('reportDeploymentStatus', () => {
  it('moves PENDING -> IN_PROGRESS -> SUCCEEDED, keeps the last message and the endpoint, and audits each report', async () => {
    await modelWithStages(api, 'moves', ['PRODUCTION']);
    const id = await start(api, bot, 'moves', 1, 'prod-eu');
    const running = await report(api, bot, id, 'IN_PROGRESS', { message: 'rolling out 1/3' });
    expect(running).toMatchObject({ status: 'IN_PROGRESS', message: 'rolling out 1/3', finishedAt: null, isCurrent: false });
    const done = await report(api, bot, id, 'SUCCEEDED', { message: 'healthy', endpointUrl: 'https://moves.prod-eu.example.com/v1' });
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      message: 'healthy',
      endpointUrl: 'https://moves.prod-eu.example.com/v1',
      isCurrent: true,
    });
    expect(done.finishedAt).not.toBeNull();
    const events = (await auditActions(api, ['DEPLOYMENT_STATUS_REPORTED'])).filter((e) => e.details.deploymentId === id);
    expect(events.map((e) => [e.details.fromStatus, e.details.status])).toEqual([
      ['PENDING', 'IN_PROGRESS'],
      ['IN_PROGRESS', 'SUCCEEDED'],
    ]);
    expect(events[1]).toMatchObject({ actor: 'deploy-bot', modelName: 'moves', version: 1, details: { replacedDeploymentId: null } });
  });

  it('lets PENDING go straight to SUCCEEDED or FAILED', async () => {
    await modelWithStages(api, 'straight', ['PRODUCTION']);
    expect((await report(api, bot, await start(api, bot, 'straight', 1, 'prod-eu'), 'FAILED')).status).toBe('FAILED');
    expect((await report(api, bot, await start(api, bot, 'straight', 1, 'prod-eu'), 'SUCCEEDED')).status).toBe('SUCCEEDED');
  });

  it('refuses every other move (CONFLICT): a finished deployment never changes again', async () => {
    await modelWithStages(api, 'finished', ['PRODUCTION']);
    const ok = await deployed(api, bot, 'finished', 1, 'prod-eu');
    for (const status of ['IN_PROGRESS', 'SUCCEEDED', 'FAILED'] as const) await refused(api, 'CONFLICT', () => reportAs(bot, ok, status));
    const running = await start(api, bot, 'finished', 1, 'prod-eu');
    await report(api, bot, running, 'IN_PROGRESS');
    await refused(api, 'CONFLICT', () => reportAs(bot, running, 'IN_PROGRESS'));
    await report(api, bot, running, 'FAILED');
    await refused(api, 'CONFLICT', () => reportAs(bot, running, 'SUCCEEDED'));
  });

  it('refuses PENDING and CANCELLED as reported statuses (BAD_USER_INPUT naming status)', async () => {
    await modelWithStages(api, 'statuses', ['PRODUCTION']);
    const id = await start(api, bot, 'statuses', 1, 'prod-eu');
    for (const status of ['PENDING', 'CANCELLED'] as const) {
      expect((await refused(api, 'BAD_USER_INPUT', () => reportAs(bot, id, status))).extensions).toMatchObject({ field: 'status' });
    }
  });

  it.each([
    ['an endpointUrl that is not http(s)', { endpointUrl: 'ftp://example.com/model' }, 'endpointUrl'],
    ['an endpointUrl that is not a URL', { endpointUrl: 'model.example.com' }, 'endpointUrl'],
    ['a message over 2000 characters', { message: 'x'.repeat(2001) }, 'message'],
  ])('refuses %s (BAD_USER_INPUT naming it)', async (_what, extra, field) => {
    await modelWithStages(api, `bad-${field}-${Object.values(extra)[0].length}`, ['PRODUCTION']);
    const id = await start(api, bot, `bad-${field}-${Object.values(extra)[0].length}`, 1, 'prod-eu');
    expect((await refused(api, 'BAD_USER_INPUT', () => reportAs(bot, id, 'IN_PROGRESS', extra))).extensions).toMatchObject({ field });
  });

  it('is FORBIDDEN, not NOT_FOUND, to anyone but the starter or an ADMIN; an ADMIN may', async () => {
    await modelWithStages(api, 'owned', ['PRODUCTION']);
    const id = await start(api, bot, 'owned', 1, 'prod-eu');
    await refused(api, 'FORBIDDEN', () => reportAs(otherBot, id, 'IN_PROGRESS'));
    await refused(api, 'FORBIDDEN', () => reportAs(approver, id, 'IN_PROGRESS'));
    await refused(api, 'FORBIDDEN', () => reportAs(viewer, id, 'IN_PROGRESS'));
    expect((await api.data(DepReportDocument, { input: { id, status: 'SUCCEEDED' } })).reportDeploymentStatus.deployment.status).toBe(
      'SUCCEEDED',
    );
  });

  it('is NOT_FOUND for an id that names no deployment', async () => {
    await refused(api, 'NOT_FOUND', () => reportAs(bot, Buffer.from('Deployment:9999').toString('base64url'), 'FAILED'));
    await refused(api, 'NOT_FOUND', () => reportAs(bot, Buffer.from('ModelVersion:1').toString('base64url'), 'FAILED'));
    await refused(api, 'NOT_FOUND', () => reportAs(bot, 'garbage', 'FAILED'));
  });
});

describe('what is current', () => {
  it('SUCCEEDED makes a deployment current and the one before stops; FAILED and CANCELLED change nothing that runs', async () => {
    await modelWithStages(api, 'current', ['PRODUCTION', 'PRODUCTION']);
    const d1 = await deployed(api, bot, 'current', 1, 'prod-eu');
    const failed = await start(api, bot, 'current', 2, 'prod-eu');
    await report(api, bot, failed, 'FAILED');
    const cancelled = await start(api, bot, 'current', 2, 'prod-eu');
    await api.data(DepCancelDocument, { input: { id: cancelled } }, { token: bot });
    let model = (await api.data(DepModelDocument, { name: 'current', version: 2 })).registeredModel!;
    expect(model.currentDeployments.map((d) => d.id)).toEqual([d1]);

    const d2 = await deployed(api, bot, 'current', 2, 'prod-eu');
    model = (await api.data(DepModelDocument, { name: 'current', version: 2 })).registeredModel!;
    expect(model.currentDeployments.map((d) => [d.id, d.modelVersion.version, d.isCurrent])).toEqual([[d2, 2, true]]);
    expect(model.deployments.edges.map((e) => [e.node.id, e.node.status, e.node.isCurrent])).toEqual([
      [d2, 'SUCCEEDED', true],
      [cancelled, 'CANCELLED', false],
      [failed, 'FAILED', false],
      [d1, 'SUCCEEDED', false],
    ]);
    expect(model.version!.deployments.edges.map((e) => e.node.id)).toEqual([d2, cancelled, failed]);
    const [event] = (await auditActions(api, ['DEPLOYMENT_STATUS_REPORTED'])).filter(
      (e) => e.details.deploymentId === d2 && e.details.status === 'SUCCEEDED',
    );
    expect(event.details.replacedDeploymentId).toBe(d1);
  });

  it("lists a model's current deployments by environment name", async () => {
    await modelWithStages(api, 'everywhere', ['PRODUCTION']);
    for (const env of ['staging', 'prod-eu', 'dev']) await deployed(api, bot, 'everywhere', 1, env);
    const model = (await api.data(DepModelDocument, { name: 'everywhere', version: 1 })).registeredModel!;
    expect(model.currentDeployments.map((d) => d.environment.name)).toEqual(['dev', 'prod-eu', 'staging']);
    const inProd = await api.data(DepModelDocument, { name: 'everywhere', version: 1, filter: { environment: 'prod-eu' } });
    expect(inProd.registeredModel!.deployments.totalCount).toBe(1);
  });
});

describe('cancelDeployment', () => {
  it('ends a PENDING or IN_PROGRESS deployment as CANCELLED, by its starter or an ADMIN, audited', async () => {
    await modelWithStages(api, 'cancels', ['PRODUCTION']);
    const a = await start(api, bot, 'cancels', 1, 'prod-eu');
    await refused(api, 'FORBIDDEN', () => cancelAs(otherBot, a));
    const cancelled = (await cancelAs(bot, a)).data!.cancelDeployment.deployment;
    expect(cancelled).toMatchObject({ status: 'CANCELLED', isCurrent: false });
    expect(cancelled.finishedAt).not.toBeNull();
    await refused(api, 'CONFLICT', () => cancelAs(bot, a));

    const b = await start(api, bot, 'cancels', 1, 'prod-eu');
    await report(api, bot, b, 'IN_PROGRESS');
    expect((await cancelAs(undefined, b)).data!.cancelDeployment.deployment.status).toBe('CANCELLED');
    const events = (await auditActions(api, ['DEPLOYMENT_CANCELLED'])).filter((e) => e.modelName === 'cancels');
    expect(events.map((e) => [e.actor.startsWith('bootstrap-admin') ? 'admin' : e.actor, e.details.fromStatus, e.details.comment])).toEqual(
      [
        ['deploy-bot', 'PENDING', 'stop'],
        ['admin', 'IN_PROGRESS', 'stop'],
      ],
    );

    const done = await deployed(api, bot, 'cancels', 1, 'prod-eu');
    await refused(api, 'CONFLICT', () => cancelAs(bot, done));
  });
});

describe('stats', () => {
  it('counts finished deployments since a time, the active ones now, and the success rate', async () => {
    await environment(api, 'stats-env', 'NONE');
    await modelWithStages(api, 'stats-a', ['NONE']);
    await modelWithStages(api, 'stats-b', ['NONE']);
    const read = async (since?: string) => (await api.data(DepEnvironmentDocument, { name: 'stats-env', since })).environment!.stats;
    expect(await read()).toEqual({ succeeded: 0, failed: 0, cancelled: 0, active: 0, successRate: null });

    await deployed(api, bot, 'stats-a', 1, 'stats-env');
    await report(api, bot, await start(api, bot, 'stats-a', 1, 'stats-env'), 'FAILED');
    const midpoint = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await deployed(api, bot, 'stats-a', 1, 'stats-env');
    await deployed(api, bot, 'stats-b', 1, 'stats-env');
    await api.data(DepCancelDocument, { input: { id: await start(api, bot, 'stats-b', 1, 'stats-env') } }, { token: bot });
    await start(api, bot, 'stats-a', 1, 'stats-env');

    expect(await read()).toEqual({ succeeded: 3, failed: 1, cancelled: 1, active: 1, successRate: 0.75 });
    expect(await read(midpoint)).toEqual({ succeeded: 2, failed: 0, cancelled: 1, active: 1, successRate: 1 });
    expect(await read('2999-01-01T00:00:00.000Z')).toEqual({ succeeded: 0, failed: 0, cancelled: 0, active: 1, successRate: null });
  });
});

describe('Query.deployments', () => {
  it('filters by environment, model, status and starter, newest first, in keyset pages', async () => {
    await environment(api, 'paging', 'NONE');
    await modelWithStages(api, 'paged', ['NONE']);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await start(api, i % 2 ? otherBot : bot, 'paged', 1, 'paging');
      await report(api, i % 2 ? otherBot : bot, id, i === 4 ? 'FAILED' : 'SUCCEEDED');
      ids.push(id);
    }
    const all = await api.data(DepDeploymentsDocument, { filter: { environment: 'paging' }, first: 2 });
    expect(all.deployments.totalCount).toBe(5);
    expect(all.deployments.edges.map((e) => e.node.id)).toEqual([ids[4], ids[3]]);
    const next = await api.data(DepDeploymentsDocument, {
      filter: { environment: 'paging' },
      first: 2,
      after: all.deployments.pageInfo.endCursor,
    });
    expect(next.deployments.edges.map((e) => e.node.id)).toEqual([ids[2], ids[1]]);
    expect(next.deployments.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const byOther = await api.data(DepDeploymentsDocument, { filter: { modelName: 'paged', startedBy: 'other-bot' } });
    expect(byOther.deployments.edges.map((e) => e.node.id)).toEqual([ids[3], ids[1]]);
    const failed = await api.data(DepDeploymentsDocument, { filter: { environment: 'paging', status: ['FAILED'] } });
    expect(failed.deployments.edges.map((e) => e.node.id)).toEqual([ids[4]]);
  });
});

describe('per-parent deployment lists', () => {
  const MODEL_PAGE = `query($name: String!, $first: Int, $after: String) { registeredModel(name: $name) {
    deployments(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }`;
  const MODELS_PAGE = `query($first: Int) { registeredModels(filter: { namePrefix: "history-" }) { edges { node {
    name deployments(first: $first) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } } } }`;

  it("pages one model's history from the database, and many models' with one query, with the same cursors", async () => {
    await environment(api, 'history', 'NONE');
    const ids: Record<string, string[]> = { 'history-a': [], 'history-b': [] };
    for (const name of Object.keys(ids)) {
      await modelWithStages(api, name, ['NONE']);
      for (let i = 0; i < 3; i++) ids[name].unshift(await deployed(api, bot, name, 1, 'history'));
    }
    type Page = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { id: string } }[] };
    const one = async (after?: string) =>
      (await api.data<{ registeredModel: { deployments: Page } }, unknown>(MODEL_PAGE, { name: 'history-a', first: 2, after }))
        .registeredModel.deployments;
    const first = await one();
    expect([first.totalCount, first.pageInfo.hasNextPage, first.edges.map((e) => e.node.id)]).toEqual([
      3,
      true,
      ids['history-a'].slice(0, 2),
    ]);
    const second = await one(first.pageInfo.endCursor);
    expect([second.pageInfo.hasNextPage, second.edges.map((e) => e.node.id)]).toEqual([false, ids['history-a'].slice(2)]);

    const many = await api.data<{ registeredModels: { edges: { node: { name: string; deployments: Page } }[] } }, unknown>(MODELS_PAGE, {
      first: 2,
    });
    for (const { node } of many.registeredModels.edges) {
      expect([node.deployments.totalCount, node.deployments.edges.map((e) => e.node.id)]).toEqual([3, ids[node.name].slice(0, 2)]);
    }
    // A cursor of one model's list is the same whichever way it was read, and refused by another model's list.
    expect(many.registeredModels.edges[0].node.deployments.pageInfo.endCursor).toBe(first.pageInfo.endCursor);
    const foreign = await api.gql(MODEL_PAGE, { name: 'history-b', first: 2, after: first.pageInfo.endCursor });
    expect(foreign.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});
