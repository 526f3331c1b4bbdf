import { GovModelPoliciesDocument, GovPolicyDocument, GovSetPolicyDocument } from './__generated__/graphql';
import { auditCount, auditOf, model, team, type Team } from './governance-fixtures';
import { codes, startApi, type TestApi } from './support/api';

let api: TestApi;
let t: Team;
beforeAll(async () => {
  api = await startApi();
  t = await team(api);
  await model(api, 'scoring', 1);
  await model(api, 'other', 1);
});
afterAll(() => api.stop());

const policy = async (modelName: string | null, stage: 'NONE' | 'STAGING' | 'PRODUCTION' | 'ARCHIVED') =>
  (await api.data(GovPolicyDocument, { modelName, stage })).governancePolicy;

describe('policies', () => {
  it('default to one approval for STAGING and PRODUCTION, none otherwise, no self-approval, no gates', async () => {
    const expected = { NONE: 0, STAGING: 1, PRODUCTION: 1, ARCHIVED: 0 };
    for (const [stage, n] of Object.entries(expected)) {
      expect(await policy(null, stage as 'NONE')).toEqual({
        modelName: null,
        stage,
        requiredApprovals: n,
        allowSelfApproval: false,
        metricGates: [],
      });
      expect(await policy('scoring', stage as 'NONE')).toEqual({
        modelName: null,
        stage,
        requiredApprovals: n,
        allowSelfApproval: false,
        metricGates: [],
      });
    }
    const listed = (await api.data(GovModelPoliciesDocument, { name: 'scoring' })).registeredModel!.policies;
    expect(listed.map((p) => [p.stage, p.requiredApprovals, p.modelName])).toEqual([
      ['NONE', 0, null],
      ['STAGING', 1, null],
      ['PRODUCTION', 1, null],
      ['ARCHIVED', 0, null],
    ]);
  });

  it('registry-wide: replaces the default for every model without its own', async () => {
    const set = await api.data(GovSetPolicyDocument, {
      input: { stage: 'PRODUCTION', requiredApprovals: 2, metricGates: [{ metric: 'auc', comparator: 'GTE', threshold: 0.8 }] },
    });
    expect(set.setGovernancePolicy.policy).toEqual({
      modelName: null,
      stage: 'PRODUCTION',
      requiredApprovals: 2,
      allowSelfApproval: false,
      metricGates: [{ metric: 'auc', comparator: 'GTE', threshold: 0.8 }],
    });
    expect(await policy('other', 'PRODUCTION')).toMatchObject({ modelName: null, requiredApprovals: 2 });
    expect(await policy(null, 'PRODUCTION')).toMatchObject({ modelName: null, requiredApprovals: 2 });
  });

  it('per model: wins over the registry-wide one, for that model and stage only', async () => {
    await api.data(GovSetPolicyDocument, {
      input: { modelName: 'scoring', stage: 'PRODUCTION', requiredApprovals: 3, allowSelfApproval: true },
    });
    expect(await policy('scoring', 'PRODUCTION')).toEqual({
      modelName: 'scoring',
      stage: 'PRODUCTION',
      requiredApprovals: 3,
      allowSelfApproval: true,
      metricGates: [],
    });
    expect(await policy('other', 'PRODUCTION')).toMatchObject({ modelName: null, requiredApprovals: 2 });
    expect(await policy('scoring', 'STAGING')).toMatchObject({ modelName: null, requiredApprovals: 1 });
    const listed = (await api.data(GovModelPoliciesDocument, { name: 'scoring' })).registeredModel!.policies;
    expect(listed.map((p) => [p.stage, p.requiredApprovals, p.modelName])).toEqual([
      ['NONE', 0, null],
      ['STAGING', 1, null],
      ['PRODUCTION', 3, 'scoring'],
      ['ARCHIVED', 0, null],
    ]);
    // Setting it again replaces it.
    await api.data(GovSetPolicyDocument, { input: { modelName: 'scoring', stage: 'PRODUCTION', requiredApprovals: 1 } });
    expect(await policy('scoring', 'PRODUCTION')).toMatchObject({ modelName: 'scoring', requiredApprovals: 1, allowSelfApproval: false });
  });

  it('records POLICY_SET with the policy, for the model it is for', async () => {
    const events = await auditOf(api, 'scoring', ['POLICY_SET']);
    expect(events.map((e) => e.details)).toEqual([
      { scope: 'MODEL', stage: 'PRODUCTION', requiredApprovals: 3, allowSelfApproval: true, metricGates: [] },
      { scope: 'MODEL', stage: 'PRODUCTION', requiredApprovals: 1, allowSelfApproval: false, metricGates: [] },
    ]);
  });

  it('refuses bad policies, unknown models and non-admins, recording nothing', async () => {
    const before = await auditCount(api);
    const bad = [
      { stage: 'STAGING' as const, requiredApprovals: 11 },
      { stage: 'STAGING' as const, requiredApprovals: -1 },
      { stage: 'STAGING' as const, requiredApprovals: 1, metricGates: [{ metric: '', comparator: 'GT' as const, threshold: 1 }] },
      {
        stage: 'STAGING' as const,
        requiredApprovals: 1,
        metricGates: [
          { metric: 'a', comparator: 'GT' as const, threshold: 1 },
          { metric: 'a', comparator: 'GT' as const, threshold: 2 },
        ],
      },
    ];
    for (const input of bad) expect(codes(await api.gql(GovSetPolicyDocument, { input }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await api.gql(GovSetPolicyDocument, { input: { modelName: 'ghost', stage: 'STAGING', requiredApprovals: 1 } }))).toEqual([
      'NOT_FOUND',
    ]);
    for (const token of [t.alice, t.bot, t.viewer]) {
      expect(codes(await api.gql(GovSetPolicyDocument, { input: { stage: 'STAGING', requiredApprovals: 0 } }, { token }))).toEqual([
        'FORBIDDEN',
      ]);
    }
    // JSON variables cannot carry Infinity, but a literal 1e999 parses to it: the policy refuses it.
    const inf = await api.gql(
      'mutation { setGovernancePolicy(input: { stage: STAGING, requiredApprovals: 1, metricGates: [{ metric: "a", comparator: GT, threshold: 1e999 }] }) { __typename } }',
    );
    expect(codes(inf)).toEqual(['BAD_USER_INPUT']);
    expect(inf.errors![0].message).toMatch(/finite/);
    expect(await auditCount(api)).toBe(before);
  });

  it('answers governancePolicy for an unknown model with NOT_FOUND', async () => {
    expect(codes(await api.gql(GovPolicyDocument, { modelName: 'ghost', stage: 'STAGING' }))).toEqual(['NOT_FOUND']);
  });

  it('follows its model through a rename', async () => {
    await model(api, 'to-rename', 1);
    await api.data(GovSetPolicyDocument, { input: { modelName: 'to-rename', stage: 'STAGING', requiredApprovals: 4 } });
    const renamed = await api.gql(
      'mutation($input: RenameRegisteredModelInput!) { renameRegisteredModel(input: $input) { registeredModel { name } } }',
      { input: { name: 'to-rename', newName: 'renamed' } },
    );
    expect(renamed.errors).toBeUndefined();
    expect(await policy('renamed', 'STAGING')).toMatchObject({ modelName: 'renamed', requiredApprovals: 4 });
  });
});
