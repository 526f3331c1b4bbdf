import { DomainError } from './errors';
import {
  approvalOutcome,
  cancellationOutcome,
  directTransitionOutcome,
  planStageChange,
  rejectionOutcome,
  requestOutcome,
  versionDeletionOutcome,
  type GovernedVersion,
  type ModelState,
  type RequestWithDecisions,
} from './governance';
import { toGlobalId } from './ids';
import { defaultPolicy } from './policy';
import { Role, type Principal } from './roles';
import type { Stage } from './stages';

const now = new Date('2026-12-01T12:00:00Z');
const gid = (id: number) => toGlobalId('TransitionRequest', id);
const who = (name: string, role: Role = Role.APPROVER): Principal => ({ id: 1, name, roles: [role] });
const version = (id: number, stage: Stage, over: Partial<GovernedVersion> = {}): GovernedVersion => ({
  id,
  version: id,
  stage,
  status: 'READY',
  deleted: false,
  metrics: new Map([['accuracy', 0.9]]),
  ...over,
});
const model = (toStage: Stage, over: Partial<ModelState> = {}): ModelState => ({
  id: 100,
  name: 'm',
  policy: defaultPolicy(toStage),
  inTargetStage: [],
  pending: [],
  deployed: [],
  ...over,
});
const pendingRequest = (over: Partial<RequestWithDecisions> = {}): RequestWithDecisions => ({
  id: 9,
  versionId: 1,
  status: 'PENDING',
  requestedBy: 'bot',
  fromStage: 'STAGING',
  toStage: 'PRODUCTION',
  requiredApprovals: 1,
  archiveExistingVersions: true,
  decisions: [],
  ...over,
});
function code(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof DomainError ? e.code : 'THROWN';
  }
}

describe('planStageChange', () => {
  const state = model('PRODUCTION', {
    inTargetStage: [
      { id: 2, version: 2, stage: 'PRODUCTION' },
      { id: 3, version: 3, stage: 'PRODUCTION' },
    ],
    pending: [
      { id: 9, versionId: 1, fromStage: 'STAGING', toStage: 'PRODUCTION' },
      { id: 12, versionId: 2, fromStage: 'PRODUCTION', toStage: 'ARCHIVED' },
      { id: 11, versionId: 1, fromStage: 'STAGING', toStage: 'NONE' },
      { id: 13, versionId: 4, fromStage: 'NONE', toStage: 'STAGING' },
    ],
  });
  const change = (archiveExistingVersions: boolean) =>
    planStageChange({
      model: state,
      version: version(1, 'STAGING'),
      command: { toStage: 'PRODUCTION', archiveExistingVersions },
      actor: 'alice',
      requestId: 9,
      comment: null,
      at: now,
    });

  it('moves the version, archives the others there, supersedes the pending requests of what moved but the applied one', () => {
    const c = change(true);
    expect(c.moves).toEqual([
      { versionId: 1, fromStage: 'STAGING', toStage: 'PRODUCTION', requestId: 9 },
      { versionId: 2, fromStage: 'PRODUCTION', toStage: 'ARCHIVED', requestId: null },
      { versionId: 3, fromStage: 'PRODUCTION', toStage: 'ARCHIVED', requestId: null },
    ]);
    expect(c.superseded).toEqual([11, 12]);
    expect(c.audit.map((e) => [e.action, e.version, (e.details as { reason: string }).reason])).toEqual([
      ['STAGE_CHANGED', 1, 'REQUEST_APPROVED'],
      ['STAGE_CHANGED', 2, 'ARCHIVED_BY_PROMOTION'],
      ['STAGE_CHANGED', 3, 'ARCHIVED_BY_PROMOTION'],
      ['TRANSITION_CANCELLED', 1, 'SUPERSEDED'],
      ['TRANSITION_CANCELLED', 2, 'SUPERSEDED'],
    ]);
    expect(c.audit[0].details).toMatchObject({ requestId: gid(9) });
    expect(c.audit[3].details).toMatchObject({ requestId: gid(11) });
  });

  it('archives nothing without archiveExistingVersions', () => {
    const c = change(false);
    expect(c.moves).toHaveLength(1);
    expect(c.superseded).toEqual([11]);
  });
});

describe('governance outcomes', () => {
  it('requests: PENDING when approvals are needed, with only TRANSITION_REQUESTED', () => {
    const planned = requestOutcome({
      model: model('STAGING'),
      version: version(1, 'NONE'),
      command: { toStage: 'STAGING', archiveExistingVersions: false },
      actor: who('bot', Role.CONTRIBUTOR),
      comment: 'c',
      now,
    });
    expect(planned.request).toMatchObject({ status: 'PENDING', resolvedAt: null, requiredApprovals: 1, fromStage: 'NONE' });
    const outcome = planned.then(5);
    expect(outcome.change).toBeNull();
    expect(outcome.audit.map((e) => e.action)).toEqual(['TRANSITION_REQUESTED']);
    expect(outcome.audit[0].details).toMatchObject({ requestId: gid(5), comment: 'c' });
  });

  it('requests: APPROVED and applied at once when the policy needs no approval', () => {
    const planned = requestOutcome({
      model: model('ARCHIVED'),
      version: version(1, 'PRODUCTION'),
      command: { toStage: 'ARCHIVED', archiveExistingVersions: false },
      actor: who('bot', Role.CONTRIBUTOR),
      comment: null,
      now,
    });
    expect(planned.request).toMatchObject({ status: 'APPROVED', resolvedAt: now, requiredApprovals: 0 });
    const outcome = planned.then(5);
    expect(outcome.change?.moves).toEqual([{ versionId: 1, fromStage: 'PRODUCTION', toStage: 'ARCHIVED', requestId: 5 }]);
    expect(outcome.audit.map((e) => e.action)).toEqual(['TRANSITION_REQUESTED', 'TRANSITION_APPROVED', 'STAGE_CHANGED']);
    expect(outcome.audit[1].details).toMatchObject({ automatic: true, metrics: { accuracy: 0.9 } });
  });

  it('requests: a duplicate names the pending one by its public id', () => {
    const state = model('STAGING', { pending: [{ id: 4, versionId: 1, fromStage: 'NONE', toStage: 'STAGING' }] });
    const attempt = () =>
      requestOutcome({
        model: state,
        version: version(1, 'NONE'),
        command: { toStage: 'STAGING', archiveExistingVersions: false },
        actor: who('bot'),
        comment: null,
        now,
      });
    expect(code(attempt)).toBe('CONFLICT');
    try {
      attempt();
    } catch (e) {
      expect((e as DomainError).details).toEqual({ existingRequestId: gid(4) });
    }
  });

  it('approvals: a first of two records the decision only; the last applies', () => {
    const first = approvalOutcome({
      model: model('PRODUCTION'),
      request: pendingRequest({ requiredApprovals: 2 }),
      version: version(1, 'STAGING'),
      actor: who('alice'),
      comment: null,
      now,
    });
    expect(first).toMatchObject({ decision: { approver: 'alice', decision: 'APPROVE' }, resolve: null, change: null });
    expect(first.audit.map((e) => e.action)).toEqual(['TRANSITION_APPROVED']);

    const last = approvalOutcome({
      model: model('PRODUCTION'),
      request: pendingRequest({ requiredApprovals: 2, decisions: [{ approver: 'bob', decision: 'APPROVE' }] }),
      version: version(1, 'STAGING'),
      actor: who('alice'),
      comment: 'ok',
      now,
    });
    expect(last.resolve).toEqual({ requestId: 9, status: 'APPROVED', at: now });
    expect(last.change?.moves[0]).toMatchObject({ versionId: 1, toStage: 'PRODUCTION', requestId: 9 });
    expect(last.audit.map((e) => e.action)).toEqual(['TRANSITION_APPROVED', 'STAGE_CHANGED']);
    expect(last.audit[0].details).toMatchObject({ approvals: 2, applied: true, comment: 'ok' });
  });

  it('rejections and cancellations end the request; refusals write nothing', () => {
    const args = { modelName: 'm', request: pendingRequest(), version: version(1, 'STAGING'), comment: null, now };
    expect(rejectionOutcome({ ...args, actor: who('alice') })).toMatchObject({
      decision: { decision: 'REJECT' },
      resolve: { status: 'REJECTED' },
      audit: [{ action: 'TRANSITION_REJECTED' }],
    });
    expect(cancellationOutcome({ ...args, actor: who('bot', Role.CONTRIBUTOR) })).toMatchObject({
      decision: null,
      resolve: { status: 'CANCELLED' },
      audit: [{ action: 'TRANSITION_CANCELLED', details: { reason: 'CANCELLED', requestId: gid(9) } }],
    });
    expect(code(() => cancellationOutcome({ ...args, actor: who('carol', Role.CONTRIBUTOR) }))).toBe('FORBIDDEN');
    expect(code(() => rejectionOutcome({ ...args, request: pendingRequest({ status: 'CANCELLED' }), actor: who('alice') }))).toBe(
      'CONFLICT',
    );
  });

  it('direct transitions: the stage change alone', () => {
    const outcome = directTransitionOutcome({
      model: model('STAGING'),
      version: version(1, 'NONE'),
      command: { toStage: 'STAGING', archiveExistingVersions: false },
      actor: who('root', Role.ADMIN),
      comment: 'now',
      now,
    });
    expect(outcome).toMatchObject({ decision: null, resolve: null });
    expect(outcome.audit).toEqual([
      {
        action: 'STAGE_CHANGED',
        actor: 'root',
        modelName: 'm',
        version: 1,
        details: {
          fromStage: 'NONE',
          toStage: 'STAGING',
          requestId: null,
          reason: 'DIRECT',
          archiveExistingVersions: false,
          promotedVersion: null,
          comment: 'now',
        },
      },
    ]);
  });

  it('version deletion: cancels its pending requests, recorded by public id', () => {
    const outcome = versionDeletionOutcome({
      actor: 'root',
      modelName: 'm',
      version: 3,
      aliases: ['champion'],
      pending: [
        { id: 8, versionId: 3, fromStage: 'NONE', toStage: 'PRODUCTION' },
        { id: 7, versionId: 3, fromStage: 'NONE', toStage: 'STAGING' },
      ],
    });
    expect(outcome.cancel).toEqual([7, 8]);
    expect(outcome.audit.map((e) => [e.action, e.details])).toEqual([
      ['VERSION_DELETED', { aliases: ['champion'], cancelledRequests: [gid(7), gid(8)] }],
      ['TRANSITION_CANCELLED', { requestId: gid(7), fromStage: 'NONE', toStage: 'STAGING', reason: 'VERSION_DELETED', comment: null }],
      ['TRANSITION_CANCELLED', { requestId: gid(8), fromStage: 'NONE', toStage: 'PRODUCTION', reason: 'VERSION_DELETED', comment: null }],
    ]);
  });
});
