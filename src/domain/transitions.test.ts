import { DomainError } from './errors';
import { defaultPolicy, type Policy } from './policy';
import { Role, type Principal } from './roles';
import type { Stage } from './stages';
import {
  decideApproval,
  decideCancel,
  decideDirectTransition,
  decideRejection,
  decideRequest,
  type DecisionState,
  type RequestState,
  type VersionState,
} from './transitions';

function outcome(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (e) {
    return e instanceof DomainError ? { code: e.code, details: e.details } : 'THROWN';
  }
}

const version = (stage: Stage, over: Partial<VersionState> = {}): VersionState => ({
  stage,
  status: 'READY',
  deleted: false,
  metrics: new Map([['accuracy', 0.93]]),
  ...over,
});
const gated: Policy = {
  ...defaultPolicy('PRODUCTION'),
  scope: 'MODEL',
  metricGates: [{ metric: 'accuracy', comparator: 'GTE', threshold: 0.95 }],
};
const selfOk: Policy = { ...defaultPolicy('PRODUCTION'), scope: 'REGISTRY', requiredApprovals: 2, allowSelfApproval: true };
const who = (name: string, role: Role = Role.APPROVER): Principal => ({ id: 1, name, roles: [role] });

describe('decideRequest', () => {
  const cmd = (toStage: Stage, archiveExistingVersions = false) => ({ toStage, archiveExistingVersions });
  it.each<[string, Parameters<typeof decideRequest>[0], unknown]>([
    [
      'a promotion needing one approval',
      { version: version('NONE'), command: cmd('STAGING'), pendingSameTarget: null, policy: defaultPolicy('STAGING') },
      { requiredApprovals: 1, applyNow: false },
    ],
    [
      'an archive, applied at once',
      { version: version('PRODUCTION'), command: cmd('ARCHIVED'), pendingSameTarget: null, policy: defaultPolicy('ARCHIVED') },
      { requiredApprovals: 0, applyNow: true },
    ],
    [
      'the current stage',
      { version: version('STAGING'), command: cmd('STAGING'), pendingSameTarget: null, policy: defaultPolicy('STAGING') },
      { code: 'BAD_USER_INPUT', details: { field: 'toStage' } },
    ],
    [
      'archiving towards NONE',
      { version: version('STAGING'), command: cmd('NONE', true), pendingSameTarget: null, policy: defaultPolicy('NONE') },
      { code: 'BAD_USER_INPUT', details: { field: 'archiveExistingVersions' } },
    ],
    [
      'a version that is not READY',
      {
        version: version('NONE', { status: 'PENDING_REGISTRATION' }),
        command: cmd('STAGING'),
        pendingSameTarget: null,
        policy: defaultPolicy('STAGING'),
      },
      { code: 'CONFLICT', details: {} },
    ],
    [
      'a duplicate of a pending request',
      { version: version('NONE'), command: cmd('STAGING'), pendingSameTarget: 7, policy: defaultPolicy('STAGING') },
      { code: 'CONFLICT', details: { existingRequestId: 7 } },
    ],
    [
      'a failing gate',
      { version: version('STAGING'), command: cmd('PRODUCTION'), pendingSameTarget: null, policy: gated },
      expect.objectContaining({ code: 'POLICY_VIOLATION' }),
    ],
    [
      'a deleted version',
      { version: version('NONE', { deleted: true }), command: cmd('STAGING'), pendingSameTarget: null, policy: defaultPolicy('STAGING') },
      { code: 'NOT_FOUND', details: {} },
    ],
    [
      'no version',
      { version: null, command: cmd('STAGING'), pendingSameTarget: null, policy: defaultPolicy('STAGING') },
      { code: 'NOT_FOUND', details: {} },
    ],
  ])('%s', (_name, args, expected) => {
    expect(outcome(() => decideRequest(args))).toEqual(expected);
  });

  it('checks the stage before readiness, duplicates and gates', () => {
    const args = {
      version: version('PRODUCTION', { status: 'FAILED_REGISTRATION' }),
      command: cmd('PRODUCTION'),
      pendingSameTarget: 3,
      policy: gated,
    };
    expect(outcome(() => decideRequest(args))).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describe('decideApproval', () => {
  const request = (over: Partial<RequestState> = {}): RequestState => ({
    id: 1,
    status: 'PENDING',
    requestedBy: 'bot',
    fromStage: 'STAGING',
    toStage: 'PRODUCTION',
    requiredApprovals: 2,
    ...over,
  });
  const approvedBy = (...names: string[]): DecisionState[] => names.map((approver) => ({ approver, decision: 'APPROVE' }));
  it.each<[string, Parameters<typeof decideApproval>[0], unknown]>([
    [
      'a first of two approvals',
      { request: request(), decisions: [], version: version('STAGING'), policy: defaultPolicy('PRODUCTION'), actor: who('alice') },
      { approvals: 1, apply: false },
    ],
    [
      'the approval that reaches the count',
      {
        request: request(),
        decisions: approvedBy('bob'),
        version: version('STAGING'),
        policy: defaultPolicy('PRODUCTION'),
        actor: who('alice'),
      },
      { approvals: 2, apply: true },
    ],
    [
      'a decided request',
      {
        request: request({ status: 'APPROVED' }),
        decisions: [],
        version: version('PRODUCTION'),
        policy: defaultPolicy('PRODUCTION'),
        actor: who('alice'),
      },
      { code: 'CONFLICT', details: {} },
    ],
    [
      'a second approval by the same principal',
      {
        request: request(),
        decisions: approvedBy('alice'),
        version: version('STAGING'),
        policy: defaultPolicy('PRODUCTION'),
        actor: who('alice'),
      },
      { code: 'CONFLICT', details: {} },
    ],
    [
      'approving your own request',
      { request: request(), decisions: [], version: version('STAGING'), policy: defaultPolicy('PRODUCTION'), actor: who('bot') },
      { code: 'POLICY_VIOLATION', details: { violations: [{ rule: 'NO_SELF_APPROVAL', message: expect.any(String) }] } },
    ],
    [
      'approving your own request where the policy allows it',
      { request: request(), decisions: [], version: version('STAGING'), policy: selfOk, actor: who('bot') },
      { approvals: 1, apply: false },
    ],
    [
      'a final approval whose gates fail',
      { request: request(), decisions: approvedBy('bob'), version: version('STAGING'), policy: gated, actor: who('alice') },
      expect.objectContaining({ code: 'POLICY_VIOLATION' }),
    ],
    [
      'a first approval whose gates fail: gates wait for the last',
      { request: request(), decisions: [], version: version('STAGING'), policy: gated, actor: who('alice') },
      { approvals: 1, apply: false },
    ],
    [
      'a deleted version',
      {
        request: request(),
        decisions: [],
        version: version('STAGING', { deleted: true }),
        policy: defaultPolicy('PRODUCTION'),
        actor: who('alice'),
      },
      { code: 'NOT_FOUND', details: {} },
    ],
    [
      'a version that moved',
      { request: request(), decisions: [], version: version('ARCHIVED'), policy: defaultPolicy('PRODUCTION'), actor: who('alice') },
      { code: 'CONFLICT', details: {} },
    ],
  ])('%s', (_name, args, expected) => {
    expect(outcome(() => decideApproval(args))).toEqual(expected);
  });
});

describe('decideRejection and decideCancel', () => {
  const pending: RequestState = {
    id: 1,
    status: 'PENDING',
    requestedBy: 'bot',
    fromStage: 'NONE',
    toStage: 'STAGING',
    requiredApprovals: 1,
  };
  it.each<[string, () => unknown, unknown]>([
    ['reject a pending request', () => decideRejection({ request: pending, decisions: [], actor: who('alice') }), undefined],
    [
      'reject a decided request',
      () => decideRejection({ request: { ...pending, status: 'REJECTED' }, decisions: [], actor: who('alice') }),
      { code: 'CONFLICT', details: {} },
    ],
    [
      'reject after approving',
      () => decideRejection({ request: pending, decisions: [{ approver: 'alice', decision: 'APPROVE' }], actor: who('alice') }),
      { code: 'CONFLICT', details: {} },
    ],
    ['cancel your own request', () => decideCancel({ request: pending, actor: who('bot', Role.CONTRIBUTOR) }), undefined],
    ['cancel as ADMIN', () => decideCancel({ request: pending, actor: who('root', Role.ADMIN) }), undefined],
    ["cancel another one's request", () => decideCancel({ request: pending, actor: who('alice') }), { code: 'FORBIDDEN', details: {} }],
    [
      'cancel a cancelled request',
      () => decideCancel({ request: { ...pending, status: 'CANCELLED' }, actor: who('bot') }),
      { code: 'CONFLICT', details: {} },
    ],
  ])('%s', (_name, fn, expected) => {
    expect(outcome(fn)).toEqual(expected);
  });
});

describe('decideDirectTransition', () => {
  it.each<[string, Parameters<typeof decideDirectTransition>[0], unknown]>([
    [
      'a plain change',
      { version: version('NONE'), command: { toStage: 'PRODUCTION', archiveExistingVersions: true }, policy: defaultPolicy('PRODUCTION') },
      undefined,
    ],
    [
      'gates still apply',
      { version: version('NONE'), command: { toStage: 'PRODUCTION', archiveExistingVersions: false }, policy: gated },
      expect.objectContaining({ code: 'POLICY_VIOLATION' }),
    ],
    [
      'the same stage',
      { version: version('NONE'), command: { toStage: 'NONE', archiveExistingVersions: false }, policy: defaultPolicy('NONE') },
      expect.objectContaining({ code: 'BAD_USER_INPUT' }),
    ],
    [
      'not READY',
      {
        version: version('NONE', { status: 'FAILED_REGISTRATION' }),
        command: { toStage: 'STAGING', archiveExistingVersions: false },
        policy: defaultPolicy('STAGING'),
      },
      expect.objectContaining({ code: 'CONFLICT' }),
    ],
  ])('%s', (_name, args, expected) => {
    expect(outcome(() => decideDirectTransition(args))).toEqual(expected);
  });
});
