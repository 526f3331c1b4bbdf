import {
  CreateVersionDocument,
  DepCancelDocument,
  DepModelDocument,
  DepReportDocument,
  DepStartDocument,
  GovApproveDocument,
  GovRequestTransitionDocument,
} from './__generated__/graphql';
import { auditActions, environment, modelWithStages, report, start } from './deployment-fixtures';
import { codes, startApi, type TestApi } from './support/api';
import { Role } from '../src/domain/roles';

// Races over real HTTP on both databases: the requests of each round are in flight at once.
let api: TestApi;
let bots: string[];
let approver: string;
beforeAll(async () => {
  api = await startApi();
  bots = [];
  for (let i = 0; i < 8; i++) bots.push(await api.token(`deploy-bot-${i}`, [Role.CONTRIBUTOR]));
  approver = await api.token('release-manager', [Role.APPROVER]);
  for (const name of ['prod-1', 'prod-2', 'prod-3', 'prod-4']) await environment(api, name, 'PRODUCTION');
});
afterAll(() => api.stop());

type Result = { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> };
const outcome = (r: Result) => (r.errors ? String(codes(r)[0]) : 'OK');

it('lets exactly one of eight bots starting one model in one environment at once win, ten times over', async () => {
  await modelWithStages(api, 'race-start', ['PRODUCTION']);
  for (let round = 0; round < 10; round++) {
    const results = await Promise.all(
      bots.map((token) => api.gql(DepStartDocument, { input: { name: 'race-start', version: 1, environment: 'prod-1' } }, { token })),
    );
    const winners = results.filter((r) => !r.errors);
    expect(winners).toHaveLength(1);
    const winner = winners[0].data!.startDeployment.deployment;
    for (const r of results.filter((x) => x.errors)) {
      expect(codes(r)).toEqual(['CONFLICT']);
      expect(r.errors![0].extensions!.existingDeploymentId).toBe(winner.id);
    }
    const startedBy = bots[results.indexOf(winners[0])];
    await api.data(DepCancelDocument, { input: { id: winner.id } }, { token: startedBy });
  }
  const started = (await auditActions(api, ['DEPLOYMENT_STARTED'])).filter((e) => e.modelName === 'race-start');
  expect(started).toHaveLength(10);
  expect(await api.db.prisma.deployment.count({ where: { model: { name: 'race-start' } } })).toBe(10);
});

it('never starts a deployment of a version that a racing approval archives', async () => {
  await modelWithStages(api, 'race-gate', ['PRODUCTION']);
  const tally: Record<string, number> = {};
  for (let round = 0; round < 8; round++) {
    const live = round + 1;
    const created = await api.data(CreateVersionDocument, { input: { name: 'race-gate', source: `s3://race-gate/${live + 1}` } });
    const next = created.createModelVersion.modelVersion.version;
    const requested = await api.data(
      GovRequestTransitionDocument,
      { input: { name: 'race-gate', version: next, toStage: 'PRODUCTION', archiveExistingVersions: true } },
      { token: bots[0] },
    );
    const requestId = requested.requestStageTransition.transitionRequest.id;
    // Four deployments of the version in PRODUCTION, to four environments, and the approval that
    // archives it, racing. So that each side surely wins some rounds, whatever the machine's speed:
    // in odd rounds the approval waits for the first start's answer, in even rounds the last start
    // waits for the approval's; the other three race it.
    const start = (i: number) =>
      api.gql(DepStartDocument, { input: { name: 'race-gate', version: live, environment: `prod-${i + 1}` } }, { token: bots[i + 1] });
    const approve = () => api.gql(GovApproveDocument, { input: { id: requestId } }, { token: approver });
    const first = start(0);
    const approval = round % 2 ? first.then(approve) : approve();
    const racing = [1, 2].map(start);
    const last = round % 2 ? start(3) : approval.then(() => start(3));
    const starts = [await first, ...(await Promise.all(racing)), await last];
    await approval;
    expect((await approval).errors).toBeUndefined();
    for (const r of starts) {
      const o = outcome(r);
      tally[o] = (tally[o] ?? 0) + 1;
      expect(['OK', 'POLICY_VIOLATION']).toContain(o);
    }
    // Every deployment that started did so before the archive: its audit event precedes the stage change.
    const events = (await auditActions(api, ['DEPLOYMENT_STARTED', 'STAGE_CHANGED'])).filter((e) => e.modelName === 'race-gate');
    const archivedAt = events.find((e) => e.action === 'STAGE_CHANGED' && e.version === live && e.details.toStage === 'ARCHIVED')!.id;
    const startedNow = starts.flatMap((r, i) => (r.errors ? [] : [{ id: r.data!.startDeployment.deployment.id, token: bots[i + 1] }]));
    for (const { id } of startedNow) {
      const event = events.find((e) => e.action === 'DEPLOYMENT_STARTED' && e.details.deploymentId === id)!;
      expect(event.details.stage).toBe('PRODUCTION');
      expect(event.id).toBeLessThan(archivedAt);
    }
    for (const { id, token } of startedNow) await api.data(DepCancelDocument, { input: { id } }, { token });
  }
  // Across the rounds no row records a start of an ARCHIVED version at its start.
  const all = (await auditActions(api, ['DEPLOYMENT_STARTED'])).filter((e) => e.modelName === 'race-gate');
  expect(all.every((e) => e.details.stage === 'PRODUCTION')).toBe(true);
  expect((tally.OK ?? 0) + (tally.POLICY_VIOLATION ?? 0)).toBe(32);
  // Both sides won some: the race was run, not avoided.
  expect(tally.OK).toBeGreaterThan(0);
  expect(tally.POLICY_VIOLATION).toBeGreaterThan(0);
});

it('leaves exactly one current deployment per model and environment after storms of SUCCEEDED reports', async () => {
  for (const m of ['storm-a', 'storm-b', 'storm-c']) await modelWithStages(api, m, ['PRODUCTION', 'PRODUCTION']);
  // Each bot keeps trying to deploy its model until it has succeeded three times; all at once.
  const attempt = async (token: string, name: string, version: number): Promise<boolean> => {
    const r = await api.gql(DepStartDocument, { input: { name, version, environment: 'prod-2' } }, { token });
    if (r.errors) {
      expect(codes(r)).toEqual(['CONFLICT']);
      // Another bot holds the slot: back off a little instead of spinning.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
      return false;
    }
    const id = r.data!.startDeployment.deployment.id;
    const done = await api.gql(DepReportDocument, { input: { id, status: 'SUCCEEDED' } }, { token });
    expect(done.errors).toBeUndefined();
    return true;
  };
  const bot = async (token: string, name: string, version: number) => {
    let succeeded = 0;
    for (let tries = 0; succeeded < 3 && tries < 200; tries++) if (await attempt(token, name, version)) succeeded += 1;
    return succeeded;
  };
  const work = bots.map((token, i) => bot(token, ['storm-a', 'storm-b', 'storm-c'][i % 3], 1 + (i % 2)));
  expect(await Promise.all(work)).toEqual(bots.map(() => 3));

  for (const name of ['storm-a', 'storm-b', 'storm-c']) {
    const current = await api.db.prisma.deployment.findMany({ where: { model: { name }, currentKey: { not: null } } });
    expect(current).toHaveLength(1);
    const model = (await api.data(DepModelDocument, { name, version: 1 })).registeredModel!;
    expect(model.currentDeployments).toHaveLength(1);
    // The current one is the last to succeed, and each success replaced the one before: one chain.
    const reports = (await auditActions(api, ['DEPLOYMENT_STATUS_REPORTED'])).filter((e) => e.modelName === name);
    expect(reports[reports.length - 1].details.deploymentId).toBe(model.currentDeployments[0].id);
    reports.forEach((e, i) => expect(e.details.replacedDeploymentId).toBe(i === 0 ? null : reports[i - 1].details.deploymentId));
  }
});

it('lets one of SUCCEEDED, FAILED and a cancel racing on one deployment win', async () => {
  await modelWithStages(api, 'race-end', ['PRODUCTION']);
  const token = bots[7];
  for (let round = 0; round < 6; round++) {
    const id = await start(api, token, 'race-end', 1, 'prod-3');
    if (round % 2) await report(api, token, id, 'IN_PROGRESS');
    const results = await Promise.all([
      api.gql(DepReportDocument, { input: { id, status: 'SUCCEEDED' } }, { token }),
      api.gql(DepReportDocument, { input: { id, status: 'FAILED' } }, { token }),
      api.gql(DepCancelDocument, { input: { id } }, { token }),
    ]);
    expect(results.map(outcome).sort()).toEqual(['CONFLICT', 'CONFLICT', 'OK']);
  }
  const current = await api.db.prisma.deployment.count({ where: { model: { name: 'race-end' }, currentKey: { not: null } } });
  const succeeded = await api.db.prisma.deployment.count({ where: { model: { name: 'race-end' }, status: 'SUCCEEDED' } });
  expect(current).toBe(succeeded > 0 ? 1 : 0);
});

it('has the database refuse a second active or current row of one model and environment, whatever the code does', async () => {
  await modelWithStages(api, 'race-index', ['PRODUCTION']);
  const p = api.db.prisma;
  const [model, env] = [
    await p.registeredModel.findUniqueOrThrow({ where: { name: 'race-index' } }),
    await p.environment.findUniqueOrThrow({ where: { name: 'prod-4' } }),
  ];
  const version = await p.modelVersion.findFirstOrThrow({ where: { modelId: model.id } });
  const row = (key: { activeKey?: string | null; currentKey?: string | null }) =>
    p.deployment.create({
      data: { environmentId: env.id, modelId: model.id, versionId: version.id, config: '{}', startedBy: 'sql', ...key },
    });
  const slot = `${model.id}:${env.id}`;
  await row({ activeKey: slot });
  await expect(row({ activeKey: slot })).rejects.toMatchObject({ code: 'P2002' });
  await row({ currentKey: slot, activeKey: null });
  await expect(row({ currentKey: slot, activeKey: null })).rejects.toMatchObject({ code: 'P2002' });
  // Finished, not current: NULL keys never collide (the partial-index behaviour on both databases).
  await row({});
  await row({});
  expect(await p.deployment.count({ where: { modelId: model.id } })).toBe(4);
});
