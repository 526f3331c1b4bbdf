import {
  GovApproveDocument,
  GovCancelDocument,
  GovRejectDocument,
  GovRequestTransitionDocument,
  GovSetPolicyDocument,
  GovVersionDocument,
} from './__generated__/graphql';
import { auditOf, model, request } from './governance-fixtures';
import { codes, startApi, type TestApi } from './support/api';
import { Role } from '../src/domain/roles';

// Races over real HTTP on both databases: every request below is in flight at the same time.
let api: TestApi;
let bot: string;
let approvers: string[];
beforeAll(async () => {
  // Races hold a pooled connection while they wait for a model's lock: a pool wider than the default 5.
  api = await startApi({ DB_POOL_SIZE: '20' });
  bot = await api.token('race-bot', [Role.CONTRIBUTOR]);
  approvers = [];
  for (let i = 0; i < 10; i++) approvers.push(await api.token(`approver-${i}`, [Role.APPROVER]));
});
afterAll(() => api.stop());

const approve = (id: string, token: string) => api.gql(GovApproveDocument, { input: { id } }, { token });
const outcomes = (results: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }[]) =>
  results.map((r) => (r.errors ? String(codes(r)[0]) : 'OK')).sort();

it('runs PostgreSQL at its default READ COMMITTED isolation (the lock, not the isolation level, serializes)', async () => {
  if (api.db.provider !== 'postgres') return expect(api.db.provider).toBe('sqlite');
  const [row] = await api.db.prisma.$queryRaw<{ transaction_isolation: string }[]>`SHOW transaction_isolation`;
  expect(row.transaction_isolation).toBe('read committed');
});

it('applies a request once when 10 approvers race for the 2 approvals it needs', async () => {
  await model(api, 'race-a', 1);
  await api.data(GovSetPolicyDocument, { input: { modelName: 'race-a', stage: 'STAGING', requiredApprovals: 2 } });
  const id = await request(api, bot, 'race-a', 1, 'STAGING');
  const results = await Promise.all(approvers.map((token) => approve(id, token)));
  expect(outcomes(results)).toEqual([...Array(8).fill('CONFLICT'), 'OK', 'OK']);

  const v = (await api.data(GovVersionDocument, { name: 'race-a', version: 1 })).modelVersion!;
  expect(v.stage).toBe('STAGING');
  expect(v.stageHistory).toHaveLength(1);
  expect(v.transitionRequests.edges[0].node).toMatchObject({ status: 'APPROVED' });
  expect(v.transitionRequests.edges[0].node.decisions).toHaveLength(2);
  const audit = await auditOf(api, 'race-a', ['STAGE_CHANGED', 'TRANSITION_APPROVED']);
  expect(audit.map((e) => e.action)).toEqual(['TRANSITION_APPROVED', 'TRANSITION_APPROVED', 'STAGE_CHANGED']);
});

it('leaves one version in PRODUCTION when five archiving promotions race', async () => {
  await model(api, 'race-b', 5);
  await api.data(GovSetPolicyDocument, { input: { modelName: 'race-b', stage: 'PRODUCTION', requiredApprovals: 2 } });
  const ids: string[] = [];
  for (let v = 1; v <= 5; v++) {
    const id = await request(api, bot, 'race-b', v, 'PRODUCTION', true);
    await api.data(GovApproveDocument, { input: { id } }, { token: approvers[0] });
    ids.push(id);
  }
  const results = await Promise.all(ids.map((id, i) => approve(id, approvers[1 + i])));
  expect(outcomes(results)).toEqual(['OK', 'OK', 'OK', 'OK', 'OK']);

  const versions = await Promise.all(
    [1, 2, 3, 4, 5].map(async (n) => (await api.data(GovVersionDocument, { name: 'race-b', version: n })).modelVersion!),
  );
  expect(versions.filter((v) => v.stage === 'PRODUCTION')).toHaveLength(1);
  expect(versions.filter((v) => v.stage === 'ARCHIVED')).toHaveLength(4);
  for (const v of versions) expect(v.stage).toBe(v.stageHistory[v.stageHistory.length - 1].toStage);
  // Each history is a chain: every change starts where the previous one ended.
  for (const v of versions) v.stageHistory.forEach((h, i) => expect(h.fromStage).toBe(i === 0 ? 'NONE' : v.stageHistory[i - 1].toStage));
  expect(await auditOf(api, 'race-b', ['STAGE_CHANGED'])).toHaveLength(5 + 4);
});

it('counts an approval once when the same approver sends it five times at once', async () => {
  await model(api, 'race-c', 1);
  await api.data(GovSetPolicyDocument, { input: { modelName: 'race-c', stage: 'STAGING', requiredApprovals: 2 } });
  const id = await request(api, bot, 'race-c', 1, 'STAGING');
  const results = await Promise.all(Array.from({ length: 5 }, () => approve(id, approvers[3])));
  expect(outcomes(results)).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT', 'CONFLICT', 'OK']);
  const v = (await api.data(GovVersionDocument, { name: 'race-c', version: 1 })).modelVersion!;
  expect(v.stage).toBe('NONE');
  expect(v.transitionRequests.edges[0].node).toMatchObject({ status: 'PENDING', decisions: [{ approver: 'approver-3' }] });
  expect(await auditOf(api, 'race-c', ['TRANSITION_APPROVED'])).toHaveLength(1);
});

it('records one request when the same request is sent five times at once', async () => {
  await model(api, 'race-d', 1);
  const results = await Promise.all(
    Array.from({ length: 5 }, () =>
      api.gql(GovRequestTransitionDocument, { input: { name: 'race-d', version: 1, toStage: 'PRODUCTION' } }, { token: bot }),
    ),
  );
  expect(outcomes(results)).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT', 'CONFLICT', 'OK']);
  const winner = results.find((r) => !r.errors)!.data!.requestStageTransition.transitionRequest.id;
  for (const r of results.filter((x) => x.errors)) expect(r.errors![0].extensions!.existingRequestId).toBe(winner);
  expect(await auditOf(api, 'race-d', ['TRANSITION_REQUESTED'])).toHaveLength(1);
});

it('lets exactly one of an approval, a rejection and a cancellation racing on one request win', async () => {
  await model(api, 'race-e', 1);
  await api.data(GovSetPolicyDocument, { input: { modelName: 'race-e', stage: 'NONE', requiredApprovals: 1 } });
  for (let round = 0; round < 4; round++) {
    const before = (await api.data(GovVersionDocument, { name: 'race-e', version: 1 })).modelVersion!;
    const id = await request(api, bot, 'race-e', 1, before.stage === 'NONE' ? 'STAGING' : 'NONE');
    const results = await Promise.all([
      approve(id, approvers[5]),
      api.gql(GovRejectDocument, { input: { id } }, { token: approvers[6] }),
      api.gql(GovCancelDocument, { input: { id } }, { token: bot }),
    ]);
    const winners = results.flatMap((r, i) => (r.errors ? [] : [['APPROVED', 'REJECTED', 'CANCELLED'][i]]));
    expect(winners).toHaveLength(1);
    for (const r of results.filter((x) => x.errors)) expect(codes(r)).toEqual(['CONFLICT']);
    const after = (await api.data(GovVersionDocument, { name: 'race-e', version: 1 })).modelVersion!;
    const mine = after.transitionRequests.edges.find((e) => e.node.id === id)!.node;
    expect(mine.status).toBe(winners[0]);
    expect(after.stageHistory.length).toBe(before.stageHistory.length + (winners[0] === 'APPROVED' ? 1 : 0));
    expect(after.stage).toBe(winners[0] === 'APPROVED' ? mine.toStage : before.stage);
  }
});

it('keeps every invariant when 10 approvers and 2 cancellers race on 50 requests at once', async () => {
  // 10 models x 5 versions; every version asks for PRODUCTION with archiveExistingVersions, and
  // PRODUCTION needs 2 approvals. Then every approver approves and both cancellers (the requester
  // and an ADMIN) cancel every request, all in flight together, in a shuffled order.
  const admin = api.adminToken;
  const requests: { id: string; name: string; version: number }[] = [];
  for (let m = 0; m < 10; m++) {
    const name = `race-many-${m}`;
    await model(api, name, 5);
    await api.data(GovSetPolicyDocument, { input: { modelName: name, stage: 'PRODUCTION', requiredApprovals: 2 } });
    for (let v = 1; v <= 5; v++) requests.push({ id: await request(api, bot, name, v, 'PRODUCTION', true), name, version: v });
  }
  const calls = requests.flatMap(({ id }) => [
    ...approvers.map((token) => () => approve(id, token)),
    () => api.gql(GovCancelDocument, { input: { id } }, { token: bot }),
    () => api.gql(GovCancelDocument, { input: { id } }, { token: admin }),
  ]);
  for (let i = calls.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [calls[i], calls[j]] = [calls[j], calls[i]];
  }
  const results = await Promise.all(calls.map((call) => call()));
  // Losing a race is a CONFLICT, never a failure of the server.
  expect(new Set(outcomes(results))).toEqual(new Set(['OK', 'CONFLICT']));

  for (let m = 0; m < 10; m++) {
    const name = `race-many-${m}`;
    const versions = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => (await api.data(GovVersionDocument, { name, version: i + 1 })).modelVersion!),
    );
    // Every promotion archives what is there: PRODUCTION holds at most one version.
    expect(versions.filter((v) => v.stage === 'PRODUCTION').length).toBeLessThanOrEqual(1);
    for (const v of versions) {
      // A version's stage is where its history ends, and the history is a chain.
      expect(v.stage).toBe(v.stageHistory.length ? v.stageHistory[v.stageHistory.length - 1].toStage : 'NONE');
      v.stageHistory.forEach((h, i) => expect(h.fromStage).toBe(i === 0 ? 'NONE' : v.stageHistory[i - 1].toStage));
      const [mine] = v.transitionRequests.edges.map((e) => e.node);
      expect(['APPROVED', 'CANCELLED']).toContain(mine.status);
      // A principal's approval counts once; a request applies once, on its second approval.
      const approvers = mine.decisions.map((d) => d.approver);
      expect(new Set(approvers).size).toBe(approvers.length);
      const applied = v.stageHistory.filter((h) => h.request?.id === mine.id);
      if (mine.status === 'APPROVED') {
        expect(mine.decisions).toHaveLength(2);
        expect(applied).toHaveLength(1);
      } else {
        expect(mine.decisions.length).toBeLessThan(2);
        expect(applied).toHaveLength(0);
      }
    }
    // The audit log tells the same story: one STAGE_CHANGED per history entry, one applied
    // approval per approved request, one cancellation per cancelled one.
    const audit = await auditOf(api, name, ['STAGE_CHANGED', 'TRANSITION_APPROVED', 'TRANSITION_CANCELLED']);
    const count = (action: string, where: (d: Record<string, unknown>) => boolean = () => true) =>
      audit.filter((e) => e.action === action && where(e.details)).length;
    const statuses = versions.map((v) => v.transitionRequests.edges[0].node.status);
    expect(count('STAGE_CHANGED')).toBe(versions.reduce((n, v) => n + v.stageHistory.length, 0));
    expect(count('TRANSITION_APPROVED', (d) => d.applied === true)).toBe(statuses.filter((s) => s === 'APPROVED').length);
    expect(count('TRANSITION_CANCELLED')).toBe(statuses.filter((s) => s === 'CANCELLED').length);
  }
  // 600 mutations in flight: on SQLite they queue for its one connection.
}, 240_000);
