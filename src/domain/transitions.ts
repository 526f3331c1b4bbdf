import { conflict, forbidden, notFound, policyViolation } from './errors';
import { gateViolations, type Policy } from './policy';
import { hasRole, Role, type Principal } from './roles';
import { validateStageChange, type Stage, type StageChangeCommand } from './stages';

/**
 * The governance decisions: given the state read inside the transaction, the command and the
 * actor, what happens, or which error. Services load the state under the model's row lock,
 * call one of these, and write what it says; nothing here reads or writes anything.
 */

export type RequestStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'CANCELLED';

export interface VersionState {
  stage: Stage;
  status: string;
  /** Soft-deleted versions take no part in governance. */
  deleted: boolean;
  metrics: ReadonlyMap<string, number>;
}

export interface RequestState {
  id: number;
  status: RequestStatus;
  requestedBy: string;
  fromStage: Stage;
  toStage: Stage;
  requiredApprovals: number;
}

export interface DecisionState {
  approver: string;
  decision: 'APPROVE' | 'REJECT';
}

function requireLiveReady(version: VersionState | null): VersionState {
  if (!version || version.deleted) throw notFound('No such model version');
  if (version.status !== 'READY') throw conflict(`The version is ${version.status}, not READY`);
  return version;
}

function requireGates(policy: Policy, version: VersionState): void {
  const violations = gateViolations(policy.metricGates, version.metrics);
  if (violations.length) throw policyViolation(violations);
}

export interface RequestOutcome {
  requiredApprovals: number;
  /** True when the policy needs no approval: the change is applied with the request. */
  applyNow: boolean;
}

/** requestStageTransition (semantics §2.1, checks in that order); the policy is the target's. */
export function decideRequest(args: {
  version: VersionState | null;
  command: StageChangeCommand;
  /** The (public) id of a PENDING request of the same version and target, if any. */
  pendingSameTarget: string | number | null;
  policy: Policy;
}): RequestOutcome {
  if (!args.version || args.version.deleted) throw notFound('No such model version');
  validateStageChange(args.version.stage, args.command);
  const version = requireLiveReady(args.version);
  if (args.pendingSameTarget !== null) {
    throw conflict(`A PENDING request to move this version to ${args.command.toStage} exists already`, {
      existingRequestId: args.pendingSameTarget,
    });
  }
  requireGates(args.policy, version);
  return { requiredApprovals: args.policy.requiredApprovals, applyNow: args.policy.requiredApprovals === 0 };
}

function requirePending(request: RequestState): void {
  if (request.status !== 'PENDING') throw conflict(`The request is ${request.status}; a decided request never changes again`);
}

function requireFirstDecision(decisions: readonly DecisionState[], actor: Principal): void {
  if (decisions.some((d) => d.approver === actor.name)) throw conflict(`${actor.name} has decided this request already`);
}

export interface ApprovalOutcome {
  /** APPROVE decisions including this one. */
  approvals: number;
  /** True when this approval reaches requiredApprovals: the change is applied now. */
  apply: boolean;
}

/**
 * approveTransitionRequest. `requiredApprovals` is the one recorded on the request; self-approval
 * and metric gates follow the policy in force now (a tightened policy holds back what is pending).
 */
export function decideApproval(args: {
  request: RequestState;
  decisions: readonly DecisionState[];
  version: VersionState | null;
  policy: Policy;
  actor: Principal;
}): ApprovalOutcome {
  const { request, decisions, actor } = args;
  requirePending(request);
  requireFirstDecision(decisions, actor);
  if (request.requestedBy === actor.name && !args.policy.allowSelfApproval) {
    throw policyViolation([{ rule: 'NO_SELF_APPROVAL', message: 'The policy does not allow approving your own request' }]);
  }
  const version = requireLiveReady(args.version);
  // Every stage change cancels the version's pending requests, so this only guards the invariant.
  if (version.stage !== request.fromStage) throw conflict(`The version moved to ${version.stage} since the request was made`);
  const approvals = decisions.filter((d) => d.decision === 'APPROVE').length + 1;
  const apply = approvals >= request.requiredApprovals;
  if (apply) requireGates(args.policy, version);
  return { approvals, apply };
}

/** rejectTransitionRequest: one rejection by someone who has not decided yet ends the request. */
export function decideRejection(args: { request: RequestState; decisions: readonly DecisionState[]; actor: Principal }): void {
  requirePending(args.request);
  requireFirstDecision(args.decisions, args.actor);
}

/** cancelTransitionRequest: the requester or an ADMIN, while PENDING. */
export function decideCancel(args: { request: RequestState; actor: Principal }): void {
  if (args.request.requestedBy !== args.actor.name && !hasRole(args.actor, Role.ADMIN)) {
    throw forbidden('Only the requester or an ADMIN may cancel a request');
  }
  requirePending(args.request);
}

/** transitionModelVersionStage (ADMIN): no approvals, but the same checks and metric gates. */
export function decideDirectTransition(args: { version: VersionState | null; command: StageChangeCommand; policy: Policy }): void {
  if (!args.version || args.version.deleted) throw notFound('No such model version');
  validateStageChange(args.version.stage, args.command);
  requireGates(args.policy, requireLiveReady(args.version));
}
