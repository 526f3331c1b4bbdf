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
  api = await startApi();
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
