import {
  GovApproveDocument,
  GovCancelDocument,
  GovNodeDocument,
  GovRejectDocument,
  GovRequestTransitionDocument,
  GovSetPolicyDocument,
  GovTransitionStageDocument,
  GovVersionDocument,
} from './__generated__/graphql';
import { auditCount, auditOf, model, request, team, type Team } from './governance-fixtures';
import { codes, startApi, type TestApi } from './support/api';

let api: TestApi;
let t: Team;
beforeAll(async () => {
  api = await startApi();
  t = await team(api);
});
afterAll(() => api.stop());

const version = async (name: string, v: number) => (await api.data(GovVersionDocument, { name, version: v })).modelVersion!;

/** Runs a mutation expected to fail and checks that it left no audit event. */
async function refused<T>(call: () => Promise<T & { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }>) {
  const before = await auditCount(api);
  const result = await call();
  expect(await auditCount(api)).toBe(before);
  return { code: codes(result)[0], extensions: result.errors?.[0]?.extensions ?? {}, result };
}

describe('a promotion under the default policy', () => {
  it('waits for one approval, then moves the version and records who and why', async () => {
    await model(api, 'fraud', 1, { accuracy: 0.93, auc: 0.97 });
    const created = await api.data(
      GovRequestTransitionDocument,
      { input: { name: 'fraud', version: 1, toStage: 'STAGING', comment: 'ready for QA' } },
      { token: t.bot },
    );
    const pending = created.requestStageTransition.transitionRequest;
    expect(pending).toMatchObject({
      status: 'PENDING',
      fromStage: 'NONE',
      toStage: 'STAGING',
      requestedBy: 'bot',
      comment: 'ready for QA',
      requiredApprovals: 1,
      archiveExistingVersions: false,
      resolvedAt: null,
      decisions: [],
    });
    expect((await version('fraud', 1)).stage).toBe('NONE');

    const approved = (await api.data(GovApproveDocument, { input: { id: pending.id, comment: 'lgtm' } }, { token: t.alice }))
      .approveTransitionRequest.transitionRequest;
    expect(approved).toMatchObject({
      id: pending.id,
      status: 'APPROVED',
      decisions: [{ approver: 'alice', decision: 'APPROVE', comment: 'lgtm' }],
      modelVersion: { stage: 'STAGING' },
    });
    expect(new Date(approved.resolvedAt!).getTime()).toBeGreaterThanOrEqual(new Date(approved.createdAt).getTime());

    const after = await version('fraud', 1);
    expect(after.stage).toBe('STAGING');
    expect(after.stageHistory).toEqual([
      {
        fromStage: 'NONE',
        toStage: 'STAGING',
        at: expect.any(String),
        actor: 'alice',
        request: { id: pending.id, status: 'APPROVED', toStage: 'STAGING' },
      },
    ]);

    const audit = await auditOf(api, 'fraud', ['TRANSITION_REQUESTED', 'TRANSITION_APPROVED', 'STAGE_CHANGED']);
    expect(audit.map((e) => [e.action, e.actor, e.version])).toEqual([
      ['TRANSITION_REQUESTED', 'bot', 1],
      ['TRANSITION_APPROVED', 'alice', 1],
      ['STAGE_CHANGED', 'alice', 1],
    ]);
    expect(audit[1].details).toMatchObject({
      requestId: pending.id,
      applied: true,
      approvals: 1,
      requiredApprovals: 1,
      metrics: { accuracy: 0.93, auc: 0.97 },
    });
    expect(audit[2].details).toMatchObject({ fromStage: 'NONE', toStage: 'STAGING', requestId: pending.id });
  });

  it('is found by its global id', async () => {
    const id = await request(api, t.bot, 'fraud', 1, 'PRODUCTION');
    expect((await api.data(GovNodeDocument, { id })).node).toEqual({ id, status: 'PENDING', toStage: 'PRODUCTION' });
    await api.data(GovCancelDocument, { input: { id } }, { token: t.bot });
  });
});

describe('requestStageTransition refuses, recording nothing', () => {
  beforeAll(() => model(api, 'refusals', 2, { accuracy: 0.8 }));

  it('a move to the current stage (BAD_USER_INPUT)', async () => {
    const r = await refused(() =>
      api.gql(GovRequestTransitionDocument, { input: { name: 'refusals', version: 1, toStage: 'NONE' } }, { token: t.bot }),
    );
    expect(r.code).toBe('BAD_USER_INPUT');
  });

  it('archiveExistingVersions towards ARCHIVED or NONE (BAD_USER_INPUT)', async () => {
    for (const toStage of ['ARCHIVED', 'NONE'] as const) {
      const v = toStage === 'NONE' ? 2 : 1;
      if (toStage === 'NONE') await api.data(GovTransitionStageDocument, { input: { name: 'refusals', version: 2, toStage: 'STAGING' } });
      const r = await refused(() =>
        api.gql(
          GovRequestTransitionDocument,
          { input: { name: 'refusals', version: v, toStage, archiveExistingVersions: true } },
          { token: t.bot },
        ),
      );
      expect(r.code).toBe('BAD_USER_INPUT');
    }
  });

  it('a version that is not READY (CONFLICT)', async () => {
    const row = await api.db.prisma.modelVersion.findFirstOrThrow({ where: { version: 1, model: { name: 'refusals' } } });
    await api.db.prisma.modelVersion.update({ where: { id: row.id }, data: { status: 'FAILED_REGISTRATION' } });
    try {
      const r = await refused(() =>
        api.gql(GovRequestTransitionDocument, { input: { name: 'refusals', version: 1, toStage: 'STAGING' } }, { token: t.bot }),
      );
      expect(r.code).toBe('CONFLICT');
    } finally {
      await api.db.prisma.modelVersion.update({ where: { id: row.id }, data: { status: 'READY' } });
    }
  });

  it('a second PENDING request for the same target (CONFLICT with existingRequestId)', async () => {
    const first = await request(api, t.bot, 'refusals', 1, 'STAGING');
    const r = await refused(() =>
      api.gql(GovRequestTransitionDocument, { input: { name: 'refusals', version: 1, toStage: 'STAGING' } }, { token: t.otherBot }),
    );
    expect(r.code).toBe('CONFLICT');
    expect(r.extensions.existingRequestId).toBe(first);
    // Another target for the same version is a different request.
    const other = await request(api, t.bot, 'refusals', 1, 'PRODUCTION');
    expect(other).not.toBe(first);
  });

  it('failing metric gates (POLICY_VIOLATION, one violation per failing gate)', async () => {
    await api.data(GovSetPolicyDocument, {
      input: {
        modelName: 'refusals',
        stage: 'PRODUCTION',
        requiredApprovals: 1,
        metricGates: [
          { metric: 'accuracy', comparator: 'GTE', threshold: 0.9 },
          { metric: 'latency_ms', comparator: 'LT', threshold: 100 },
          { metric: 'accuracy', comparator: 'GT', threshold: 0.5 },
        ],
      },
    });
    const r = await refused(() =>
      api.gql(GovRequestTransitionDocument, { input: { name: 'refusals', version: 2, toStage: 'PRODUCTION' } }, { token: t.bot }),
    );
    expect(r.code).toBe('POLICY_VIOLATION');
    expect(r.extensions.violations).toEqual([
      expect.objectContaining({ rule: 'METRIC_GATE', message: expect.stringContaining('accuracy is 0.8') }),
      expect.objectContaining({ rule: 'METRIC_GATE', message: expect.stringContaining('no metric latency_ms') }),
    ]);
  });

  it('an unknown model or version (NOT_FOUND), and a viewer (FORBIDDEN)', async () => {
    expect(
      (
        await refused(() =>
          api.gql(GovRequestTransitionDocument, { input: { name: 'nope', version: 1, toStage: 'STAGING' } }, { token: t.bot }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    expect(
      (
        await refused(() =>
          api.gql(GovRequestTransitionDocument, { input: { name: 'refusals', version: 9, toStage: 'STAGING' } }, { token: t.bot }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    expect(
      (
        await refused(() =>
          api.gql(GovRequestTransitionDocument, { input: { name: 'refusals', version: 2, toStage: 'NONE' } }, { token: t.viewer }),
        )
      ).code,
    ).toBe('FORBIDDEN');
  });
});

describe('approving', () => {
  beforeAll(async () => {
    await model(api, 'approvals', 3);
    await api.data(GovSetPolicyDocument, { input: { modelName: 'approvals', stage: 'PRODUCTION', requiredApprovals: 2 } });
  });

  it('counts each approver once and applies on the last needed approval', async () => {
    const id = await request(api, t.bot, 'approvals', 1, 'PRODUCTION');
    const first = (await api.data(GovApproveDocument, { input: { id } }, { token: t.alice })).approveTransitionRequest.transitionRequest;
    expect(first).toMatchObject({
      status: 'PENDING',
      requiredApprovals: 2,
      decisions: [{ approver: 'alice', decision: 'APPROVE' }],
      modelVersion: { stage: 'NONE' },
    });
    const again = await refused(() => api.gql(GovApproveDocument, { input: { id } }, { token: t.alice }));
    expect(again.code).toBe('CONFLICT');
    const second = (await api.data(GovApproveDocument, { input: { id } }, { token: t.bob })).approveTransitionRequest.transitionRequest;
    expect(second).toMatchObject({ status: 'APPROVED', modelVersion: { stage: 'PRODUCTION' } });
    expect(second.decisions.map((d) => d.approver)).toEqual(['alice', 'bob']);
    const late = await refused(() => api.gql(GovApproveDocument, { input: { id } }, { token: t.carol }));
    expect(late.code).toBe('CONFLICT');
    const audit = await auditOf(api, 'approvals', ['TRANSITION_APPROVED']);
    expect(audit.map((e) => [e.actor, e.details.approvals, e.details.applied])).toEqual([
      ['alice', 1, false],
      ['bob', 2, true],
    ]);
  });

  it('refuses approving your own request unless the policy allows it', async () => {
    const own = await request(api, t.alice, 'approvals', 2, 'STAGING');
    const r = await refused(() => api.gql(GovApproveDocument, { input: { id: own } }, { token: t.alice }));
    expect(r.code).toBe('POLICY_VIOLATION');
    expect(r.extensions.violations).toEqual([{ rule: 'NO_SELF_APPROVAL', message: expect.any(String) }]);

    await api.data(GovSetPolicyDocument, {
      input: { modelName: 'approvals', stage: 'STAGING', requiredApprovals: 1, allowSelfApproval: true },
    });
    const ok = (await api.data(GovApproveDocument, { input: { id: own } }, { token: t.alice })).approveTransitionRequest.transitionRequest;
    expect(ok).toMatchObject({ status: 'APPROVED', modelVersion: { stage: 'STAGING' } });
  });

  it('re-checks metric gates on the approval that applies', async () => {
    const id = await request(api, t.bot, 'approvals', 3, 'PRODUCTION');
    await api.data(GovApproveDocument, { input: { id } }, { token: t.alice });
    await api.data(GovSetPolicyDocument, {
      input: {
        modelName: 'approvals',
        stage: 'PRODUCTION',
        requiredApprovals: 2,
        metricGates: [{ metric: 'accuracy', comparator: 'GTE', threshold: 0.99 }],
      },
    });
    const r = await refused(() => api.gql(GovApproveDocument, { input: { id } }, { token: t.bob }));
    expect(r.code).toBe('POLICY_VIOLATION');
    const v = await api.data(GovVersionDocument, { name: 'approvals', version: 3 });
    expect(v.modelVersion!.stage).toBe('NONE');
    expect(v.modelVersion!.transitionRequests.edges[0].node).toMatchObject({ id, status: 'PENDING', decisions: [{ approver: 'alice' }] });
    await api.data(GovSetPolicyDocument, { input: { modelName: 'approvals', stage: 'PRODUCTION', requiredApprovals: 2 } });
  });

  it('answers unknown and malformed ids with NOT_FOUND, and lower roles with FORBIDDEN', async () => {
    const ghost = Buffer.from('TransitionRequest:987654').toString('base64url');
    for (const id of [ghost, 'garbage', Buffer.from('ModelVersion:1').toString('base64url')]) {
      expect((await refused(() => api.gql(GovApproveDocument, { input: { id } }, { token: t.alice }))).code).toBe('NOT_FOUND');
      expect((await refused(() => api.gql(GovRejectDocument, { input: { id } }, { token: t.alice }))).code).toBe('NOT_FOUND');
      expect((await refused(() => api.gql(GovCancelDocument, { input: { id } }, { token: t.bot }))).code).toBe('NOT_FOUND');
    }
    const id = await request(api, t.bot, 'approvals', 3, 'ARCHIVED');
    expect((await refused(() => api.gql(GovApproveDocument, { input: { id } }, { token: t.bot }))).code).toBe('FORBIDDEN');
    expect((await refused(() => api.gql(GovRejectDocument, { input: { id } }, { token: t.viewer }))).code).toBe('FORBIDDEN');
  });
});

describe('a policy that needs no approval', () => {
  it('applies the change with the request, which is APPROVED at once', async () => {
    await model(api, 'instant', 1);
    const req = (
      await api.data(GovRequestTransitionDocument, { input: { name: 'instant', version: 1, toStage: 'ARCHIVED' } }, { token: t.bot })
    ).requestStageTransition.transitionRequest;
    expect(req).toMatchObject({
      status: 'APPROVED',
      requiredApprovals: 0,
      fromStage: 'NONE',
      toStage: 'ARCHIVED',
      modelVersion: { stage: 'ARCHIVED' },
    });
    expect(req.resolvedAt).not.toBeNull();
    const v = await version('instant', 1);
    expect(v.stageHistory).toEqual([
      expect.objectContaining({ fromStage: 'NONE', toStage: 'ARCHIVED', actor: 'bot', request: expect.objectContaining({ id: req.id }) }),
    ]);
    expect((await auditOf(api, 'instant')).map((e) => e.action)).toEqual([
      'MODEL_CREATED',
      'VERSION_CREATED',
      'TRANSITION_REQUESTED',
      'TRANSITION_APPROVED',
      'STAGE_CHANGED',
    ]);
  });
});

describe('rejecting and cancelling', () => {
  beforeAll(() => model(api, 'decisions', 1));

  it('one rejection ends the request; a decided request never changes again', async () => {
    const id = await request(api, t.bot, 'decisions', 1, 'STAGING');
    const rejected = (await api.data(GovRejectDocument, { input: { id, comment: 'no tests' } }, { token: t.bob })).rejectTransitionRequest
      .transitionRequest;
    expect(rejected).toMatchObject({
      status: 'REJECTED',
      decisions: [{ approver: 'bob', decision: 'REJECT', comment: 'no tests' }],
      modelVersion: { stage: 'NONE' },
    });
    expect(rejected.resolvedAt).not.toBeNull();
    expect((await refused(() => api.gql(GovApproveDocument, { input: { id } }, { token: t.alice }))).code).toBe('CONFLICT');
    expect((await refused(() => api.gql(GovRejectDocument, { input: { id } }, { token: t.alice }))).code).toBe('CONFLICT');
    expect((await refused(() => api.gql(GovCancelDocument, { input: { id } }, { token: t.bot }))).code).toBe('CONFLICT');
    expect((await auditOf(api, 'decisions', ['TRANSITION_REJECTED']))[0]).toMatchObject({
      actor: 'bob',
      details: { requestId: id, comment: 'no tests' },
    });
  });

  it('the requester or an ADMIN cancels; nobody else', async () => {
    const id = await request(api, t.bot, 'decisions', 1, 'STAGING');
    expect((await refused(() => api.gql(GovCancelDocument, { input: { id } }, { token: t.otherBot }))).code).toBe('FORBIDDEN');
    expect((await refused(() => api.gql(GovCancelDocument, { input: { id } }, { token: t.alice }))).code).toBe('FORBIDDEN');
    const cancelled = (await api.data(GovCancelDocument, { input: { id, comment: 'wrong build' } }, { token: t.bot }))
      .cancelTransitionRequest.transitionRequest;
    expect(cancelled).toMatchObject({ status: 'CANCELLED', decisions: [] });
    const byAdmin = await request(api, t.bot, 'decisions', 1, 'STAGING');
    expect((await api.data(GovCancelDocument, { input: { id: byAdmin } })).cancelTransitionRequest.transitionRequest.status).toBe(
      'CANCELLED',
    );
    const audit = await auditOf(api, 'decisions', ['TRANSITION_CANCELLED']);
    expect(audit.map((e) => [e.actor, e.details.reason])).toEqual([
      ['bot', 'CANCELLED'],
      [expect.stringMatching(/^bootstrap-admin-/), 'CANCELLED'],
    ]);
  });
});

describe('archiveExistingVersions and superseded requests', () => {
  it("archives the version in the target stage and cancels the promoted version's other requests", async () => {
    await model(api, 'ranker', 2);
    await api.data(GovSetPolicyDocument, { input: { modelName: 'ranker', stage: 'ARCHIVED', requiredApprovals: 1 } });
    await api.data(GovTransitionStageDocument, { input: { name: 'ranker', version: 1, toStage: 'PRODUCTION' } });
    const back = await request(api, t.bot, 'ranker', 2, 'ARCHIVED');
    const staging = await request(api, t.bot, 'ranker', 2, 'STAGING');
    const promote = await request(api, t.otherBot, 'ranker', 2, 'PRODUCTION', true);
    await api.data(GovApproveDocument, { input: { id: promote } }, { token: t.carol });

    const [v1, v2] = [await version('ranker', 1), await version('ranker', 2)];
    expect(v2.stage).toBe('PRODUCTION');
    expect(v1.stage).toBe('ARCHIVED');
    expect(v1.stageHistory.map((h) => [h.fromStage, h.toStage, h.actor, h.request])).toEqual([
      ['NONE', 'PRODUCTION', expect.stringMatching(/^bootstrap-admin-/), null],
      ['PRODUCTION', 'ARCHIVED', 'carol', null],
    ]);
    expect(v2.stageHistory.map((h) => [h.fromStage, h.toStage, h.request?.id])).toEqual([['NONE', 'PRODUCTION', promote]]);
    const statuses = Object.fromEntries(v2.transitionRequests.edges.map((e) => [e.node.id, e.node.status]));
    expect(statuses).toEqual({ [back]: 'CANCELLED', [staging]: 'CANCELLED', [promote]: 'APPROVED' });

    const changes = await auditOf(api, 'ranker', ['STAGE_CHANGED', 'TRANSITION_CANCELLED']);
    expect(changes.slice(-4).map((e) => [e.action, e.version, e.actor, e.details.reason])).toEqual([
      ['STAGE_CHANGED', 2, 'carol', 'REQUEST_APPROVED'],
      ['STAGE_CHANGED', 1, 'carol', 'ARCHIVED_BY_PROMOTION'],
      ['TRANSITION_CANCELLED', 2, 'carol', 'SUPERSEDED'],
      ['TRANSITION_CANCELLED', 2, 'carol', 'SUPERSEDED'],
    ]);
  });
});

describe('transitionModelVersionStage (ADMIN)', () => {
  beforeAll(() => model(api, 'direct', 2, { accuracy: 0.5 }));

  it('applies at once, is recorded like any change and supersedes pending requests', async () => {
    const pending = await request(api, t.bot, 'direct', 1, 'STAGING');
    const moved = await api.data(GovTransitionStageDocument, {
      input: { name: 'direct', version: 1, toStage: 'PRODUCTION', comment: 'hotfix' },
    });
    expect(moved.transitionModelVersionStage.modelVersion).toMatchObject({ version: 1, stage: 'PRODUCTION' });
    const v = await version('direct', 1);
    expect(v.stageHistory).toEqual([
      expect.objectContaining({
        fromStage: 'NONE',
        toStage: 'PRODUCTION',
        request: null,
        actor: expect.stringMatching(/^bootstrap-admin-/),
      }),
    ]);
    expect(v.transitionRequests.edges.map((e) => [e.node.id, e.node.status])).toEqual([[pending, 'CANCELLED']]);
    const audit = await auditOf(api, 'direct', ['STAGE_CHANGED']);
    expect(audit[0].details).toMatchObject({
      reason: 'DIRECT',
      requestId: null,
      comment: 'hotfix',
      fromStage: 'NONE',
      toStage: 'PRODUCTION',
    });
  });

  it('still applies metric gates, and is for ADMIN only', async () => {
    await api.data(GovSetPolicyDocument, {
      input: {
        modelName: 'direct',
        stage: 'STAGING',
        requiredApprovals: 1,
        metricGates: [{ metric: 'accuracy', comparator: 'GT', threshold: 0.6 }],
      },
    });
    const r = await refused(() => api.gql(GovTransitionStageDocument, { input: { name: 'direct', version: 2, toStage: 'STAGING' } }));
    expect(r.code).toBe('POLICY_VIOLATION');
    expect((r.extensions.violations as unknown[]).length).toBe(1);
    for (const token of [t.bot, t.alice, t.viewer]) {
      expect(
        (
          await refused(() =>
            api.gql(GovTransitionStageDocument, { input: { name: 'direct', version: 2, toStage: 'ARCHIVED' } }, { token }),
          )
        ).code,
      ).toBe('FORBIDDEN');
    }
    expect(
      (await refused(() => api.gql(GovTransitionStageDocument, { input: { name: 'direct', version: 1, toStage: 'PRODUCTION' } }))).code,
    ).toBe('BAD_USER_INPUT');
    expect(
      (await refused(() => api.gql(GovTransitionStageDocument, { input: { name: 'direct', version: 7, toStage: 'ARCHIVED' } }))).code,
    ).toBe('NOT_FOUND');
  });
});

describe('deleted versions', () => {
  it('take no requests, and their requests can no longer be decided', async () => {
    await model(api, 'deleted', 2);
    const id = await request(api, t.bot, 'deleted', 2, 'STAGING');
    const del = await api.gql('mutation($input: DeleteModelVersionInput!) { deleteModelVersion(input: $input) { deletedVersion } }', {
      input: { name: 'deleted', version: 2 },
    });
    expect(del.errors).toBeUndefined();
    expect(
      (
        await refused(() =>
          api.gql(GovRequestTransitionDocument, { input: { name: 'deleted', version: 2, toStage: 'STAGING' } }, { token: t.bot }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    expect((await refused(() => api.gql(GovApproveDocument, { input: { id } }, { token: t.alice }))).code).toBe('NOT_FOUND');
    expect((await refused(() => api.gql(GovRejectDocument, { input: { id } }, { token: t.alice }))).code).toBe('NOT_FOUND');
    expect((await refused(() => api.gql(GovCancelDocument, { input: { id } }, { token: t.bot }))).code).toBe('NOT_FOUND');
    expect(
      (await refused(() => api.gql(GovTransitionStageDocument, { input: { name: 'deleted', version: 2, toStage: 'STAGING' } }))).code,
    ).toBe('NOT_FOUND');
    expect((await api.data(GovNodeDocument, { id })).node).toBeNull();
  });
});
