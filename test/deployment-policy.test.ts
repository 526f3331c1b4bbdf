import {
  DepEnvironmentDocument,
  DepModelDocument,
  DepNodeDocument,
  DepRollbackDocument,
  DepUpdateEnvironmentDocument,
  GovApproveDocument,
  GovRequestTransitionDocument,
  RegDeleteModelDocument,
  RegDeleteVersionDocument,
} from './__generated__/graphql';
import { auditActions, deployed, environment, modelWithStages, moveTo, refused, report, start } from './deployment-fixtures';
import { startApi, type TestApi } from './support/api';
import { Role } from '../src/domain/roles';

// Semantics §3 rules 5, 6 and 8: rollback, outOfPolicy and its audit, deletes of what runs; and the metric.
let api: TestApi;
let bot: string;
let approver: string;
beforeAll(async () => {
  api = await startApi();
  bot = await api.token('deploy-bot', [Role.CONTRIBUTOR]);
  approver = await api.token('release-manager', [Role.APPROVER]);
  await environment(api, 'prod-eu', 'PRODUCTION');
  await environment(api, 'staging', 'STAGING');
  await environment(api, 'dev', 'NONE');
});
afterAll(() => api.stop());

const rollback = (name: string, env: string, token = approver) =>
  api.gql(DepRollbackDocument, { input: { name, environment: env, comment: 'p99 latency doubled' } }, { token });

describe('rollbackDeployment', () => {
  it('starts a deployment of the version current before the current one, with its config, rollbackOf the current one', async () => {
    await modelWithStages(api, 'rb', ['PRODUCTION', 'PRODUCTION']);
    const d1 = await deployed(api, bot, 'rb', 1, 'prod-eu', '{"replicas":2}');
    const d2 = await deployed(api, bot, 'rb', 2, 'prod-eu', '{"replicas":4}');
    const result = await rollback('rb', 'prod-eu');
    const back = result.data!.rollbackDeployment.deployment;
    expect(back).toMatchObject({
      status: 'PENDING',
      config: '{"replicas":2}',
      startedBy: 'release-manager',
      isCurrent: false,
      modelVersion: { version: 1 },
      rollbackOf: { id: d2, modelVersion: { version: 2 } },
    });
    const [event] = (await auditActions(api, ['DEPLOYMENT_ROLLED_BACK'])).filter((e) => e.modelName === 'rb');
    expect(event).toMatchObject({
      actor: 'release-manager',
      version: 1,
      details: {
        deploymentId: back.id,
        rollbackOf: d2,
        fromVersion: 2,
        toVersion: 1,
        environment: 'prod-eu',
        comment: 'p99 latency doubled',
      },
    });
    // It is a deployment like any other: the starter (the approver) reports it, and it becomes current.
    expect(await report(api, approver, back.id, 'SUCCEEDED')).toMatchObject({ isCurrent: true });
    const model = (await api.data(DepModelDocument, { name: 'rb', version: 1 })).registeredModel!;
    expect(model.currentDeployments.map((d) => [d.id, d.modelVersion.version])).toEqual([[back.id, 1]]);
    expect(d1).not.toBe(back.id);
  });

  it('is CONFLICT with no current deployment, or none before it', async () => {
    await modelWithStages(api, 'rb-none', ['PRODUCTION']);
    await refused(api, 'CONFLICT', () => rollback('rb-none', 'prod-eu'));
    await deployed(api, bot, 'rb-none', 1, 'prod-eu');
    await refused(api, 'CONFLICT', () => rollback('rb-none', 'prod-eu'));
  });

  it('obeys rule 1: a rollback to a version now ARCHIVED is a POLICY_VIOLATION; one while a deployment is active, CONFLICT', async () => {
    await modelWithStages(api, 'rb-gate', ['PRODUCTION', 'PRODUCTION']);
    await deployed(api, bot, 'rb-gate', 1, 'prod-eu');
    await deployed(api, bot, 'rb-gate', 2, 'prod-eu');
    const active = await start(api, bot, 'rb-gate', 2, 'prod-eu');
    expect((await refused(api, 'CONFLICT', () => rollback('rb-gate', 'prod-eu'))).extensions).toMatchObject({
      existingDeploymentId: active,
    });
    await report(api, bot, active, 'FAILED');
    await moveTo(api, 'rb-gate', 1, 'ARCHIVED');
    const error = await refused(api, 'POLICY_VIOLATION', () => rollback('rb-gate', 'prod-eu'));
    expect(error.extensions!.violations).toEqual([{ rule: 'REQUIRED_STAGE', message: expect.any(String) }]);
  });

  it('is NOT_FOUND for an unknown model or environment, and needs APPROVER', async () => {
    await refused(api, 'NOT_FOUND', () => rollback('no-such-model', 'prod-eu'));
    await refused(api, 'NOT_FOUND', () => rollback('rb', 'no-such-env'));
    await refused(api, 'FORBIDDEN', () => rollback('rb', 'prod-eu', bot));
  });
});

describe('outOfPolicy', () => {
  it('turns true when an approval archives the deployed version, which audits DEPLOYMENT_OUT_OF_POLICY in its transaction', async () => {
    await modelWithStages(api, 'oop', ['PRODUCTION', 'STAGING']);
    const prod = await deployed(api, bot, 'oop', 1, 'prod-eu');
    const stg = await deployed(api, bot, 'oop', 1, 'staging');
    const dev = await deployed(api, bot, 'oop', 1, 'dev');
    // v2 to PRODUCTION, archiving v1: one approval (the default policy).
    const request = await api.data(
      GovRequestTransitionDocument,
      { input: { name: 'oop', version: 2, toStage: 'PRODUCTION', archiveExistingVersions: true } },
      { token: bot },
    );
    await api.data(GovApproveDocument, { input: { id: request.requestStageTransition.transitionRequest.id } }, { token: approver });

    const model = (await api.data(DepModelDocument, { name: 'oop', version: 1 })).registeredModel!;
    expect(model.currentDeployments.map((d) => [d.environment.name, d.outOfPolicy])).toEqual([
      ['dev', true],
      ['prod-eu', true],
      ['staging', true],
    ]);
    const events = (await auditActions(api, ['DEPLOYMENT_OUT_OF_POLICY', 'STAGE_CHANGED'])).filter((e) => e.modelName === 'oop');
    const afterApproval = events.slice(events.findIndex((e) => e.details.reason === 'REQUEST_APPROVED'));
    expect(afterApproval.map((e) => [e.action, e.version, e.details.deploymentId ?? e.details.toStage])).toEqual([
      ['STAGE_CHANGED', 2, 'PRODUCTION'],
      ['STAGE_CHANGED', 1, 'ARCHIVED'],
      ['DEPLOYMENT_OUT_OF_POLICY', 1, prod],
      ['DEPLOYMENT_OUT_OF_POLICY', 1, stg],
      ['DEPLOYMENT_OUT_OF_POLICY', 1, dev],
    ]);
    expect(afterApproval[2]).toMatchObject({
      actor: 'release-manager',
      details: { environment: 'prod-eu', requiredStage: 'PRODUCTION', fromStage: 'PRODUCTION', toStage: 'ARCHIVED' },
    });
    // The events were written with the stage change: the same transaction, consecutive ids.
    expect(afterApproval.map((e) => e.id)).toEqual(afterApproval.map((_, i) => afterApproval[0].id + i));
  });

  it('follows a direct transition that only leaves some environments, and writes events only for those', async () => {
    await modelWithStages(api, 'oop-direct', ['PRODUCTION']);
    const prod = await deployed(api, bot, 'oop-direct', 1, 'prod-eu');
    await deployed(api, bot, 'oop-direct', 1, 'staging');
    await moveTo(api, 'oop-direct', 1, 'STAGING');
    const model = (await api.data(DepModelDocument, { name: 'oop-direct', version: 1 })).registeredModel!;
    expect(model.currentDeployments.map((d) => [d.environment.name, d.outOfPolicy])).toEqual([
      ['prod-eu', true],
      ['staging', false],
    ]);
    const events = (await auditActions(api, ['DEPLOYMENT_OUT_OF_POLICY'])).filter((e) => e.modelName === 'oop-direct');
    expect(events.map((e) => e.details.deploymentId)).toEqual([prod]);
    // Back in PRODUCTION it is in policy again, computed on read.
    await moveTo(api, 'oop-direct', 1, 'PRODUCTION');
    expect((await api.data(DepNodeDocument, { id: prod })).node).toMatchObject({ status: 'SUCCEEDED' });
    const again = (await api.data(DepModelDocument, { name: 'oop-direct', version: 1 })).registeredModel!;
    expect(again.currentDeployments.every((d) => !d.outOfPolicy)).toBe(true);
  });

  it('turns true when an environment raises its requiredStage, which undoes no deployment', async () => {
    await environment(api, 'raise', 'NONE');
    await modelWithStages(api, 'oop-raise', ['STAGING']);
    const id = await deployed(api, bot, 'oop-raise', 1, 'raise');
    await api.data(DepUpdateEnvironmentDocument, { input: { name: 'raise', requiredStage: 'PRODUCTION' } });
    const env = (await api.data(DepEnvironmentDocument, { name: 'raise' })).environment!;
    expect(env.currentDeployments.edges.map((e) => [e.node.id, e.node.status, e.node.isCurrent, e.node.outOfPolicy])).toEqual([
      [id, 'SUCCEEDED', true, true],
    ]);
    const events = (await auditActions(api, ['DEPLOYMENT_OUT_OF_POLICY'])).filter((e) => e.modelName === 'oop-raise');
    expect(events.map((e) => e.details)).toEqual([
      expect.objectContaining({ deploymentId: id, previousRequiredStage: 'NONE', requiredStage: 'PRODUCTION' }),
    ]);
  });
});

describe('deleting what runs (rule 8)', () => {
  it('refuses to delete a version or its model while it is current in a PRODUCTION-gated environment, even out of policy', async () => {
    await modelWithStages(api, 'del', ['PRODUCTION', 'PRODUCTION']);
    await deployed(api, bot, 'del', 1, 'prod-eu');
    await moveTo(api, 'del', 1, 'ARCHIVED');
    await refused(api, 'CONFLICT', () => api.gql(RegDeleteVersionDocument, { input: { name: 'del', version: 1 } }));
    await moveTo(api, 'del', 2, 'ARCHIVED');
    await refused(api, 'CONFLICT', () => api.gql(RegDeleteModelDocument, { input: { name: 'del' } }));
    // Once another version is current there, both deletes go through.
    await moveTo(api, 'del', 2, 'PRODUCTION');
    await deployed(api, bot, 'del', 2, 'prod-eu');
    await moveTo(api, 'del', 2, 'ARCHIVED');
    await api.data(RegDeleteVersionDocument, { input: { name: 'del', version: 1 } });
  });

  it("removes a deleted version's deployments from queries and cancels its active ones", async () => {
    await modelWithStages(api, 'del-stg', ['STAGING', 'STAGING']);
    const current = await deployed(api, bot, 'del-stg', 1, 'staging');
    const active = await start(api, bot, 'del-stg', 1, 'dev');
    await api.data(RegDeleteVersionDocument, { input: { name: 'del-stg', version: 1 } });
    expect((await api.data(DepNodeDocument, { id: current })).node).toBeNull();
    expect((await api.data(DepNodeDocument, { id: active })).node).toBeNull();
    const model = (await api.data(DepModelDocument, { name: 'del-stg', version: 2 })).registeredModel!;
    expect(model.currentDeployments).toEqual([]);
    expect(model.deployments.totalCount).toBe(0);
    // Its active deployment no longer holds the slot.
    await start(api, bot, 'del-stg', 2, 'dev');
    const events = (await auditActions(api, ['DEPLOYMENT_CANCELLED'])).filter((e) => e.modelName === 'del-stg');
    expect(events.map((e) => e.details)).toEqual([expect.objectContaining({ deploymentId: active, reason: 'VERSION_DELETED' })]);
  });

  it('deletes a model whose deployments are current only where PRODUCTION is not required', async () => {
    await modelWithStages(api, 'del-model', ['STAGING']);
    const id = await deployed(api, bot, 'del-model', 1, 'staging');
    await api.data(RegDeleteModelDocument, { input: { name: 'del-model' } });
    expect((await api.data(DepNodeDocument, { id })).node).toBeNull();
  });
});

describe('/metrics', () => {
  it('counts deployments by environment and the status they entered', async () => {
    await environment(api, 'metered', 'NONE');
    await modelWithStages(api, 'metered-model', ['NONE']);
    await deployed(api, bot, 'metered-model', 1, 'metered');
    await report(api, bot, await start(api, bot, 'metered-model', 1, 'metered'), 'FAILED');
    const text = await (await fetch(`${api.url}/metrics`)).text();
    const value = (status: string) =>
      Number(new RegExp(`^modelgate_deployments_total\\{environment="metered",status="${status}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    expect([value('PENDING'), value('SUCCEEDED'), value('FAILED'), value('IN_PROGRESS')]).toEqual([2, 1, 1, 0]);
  });
});
