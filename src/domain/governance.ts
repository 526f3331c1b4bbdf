import { auditEvent, type AuditEvent } from './audit';
import { toGlobalId } from './ids';
import type { Policy } from './policy';
import type { Principal } from './roles';
import { versionsToArchive, type Stage, type StageChangeCommand } from './stages';
import { leavesPolicy } from './deployments';
import {
  decideApproval,
  decideCancel,
  decideDirectTransition,
  decideRejection,
  decideRequest,
  type DecisionState,
  type RequestState,
  type RequestStatus,
  type VersionState,
} from './transitions';

/*
 * The complete outcome of each governance command: given everything read under the model's lock
 * (the state), the checks of transitions.ts decide, and these functions say what to write (rows)
 * and what to record (audit events). The service writes exactly that and decides nothing.
 */

/** A live version as governance sees it. */
export interface GovernedVersion extends VersionState {
  id: number;
  version: number;
}

/** A PENDING request of one of the model's live versions. */
export interface PendingRequest {
  id: number;
  versionId: number;
  fromStage: Stage;
  toStage: Stage;
}

/** What a stage change of one model depends on, read under the model's lock. */
export interface ModelState {
  id: number;
  name: string;
  /** The policy in force for the target stage. */
  policy: Policy;
  /** Live versions of the model in the target stage (candidates for archiving). */
  inTargetStage: readonly { id: number; version: number; stage: Stage }[];
  /** Every PENDING request of the model's live versions. */
  pending: readonly PendingRequest[];
  /** The model's current deployments: a stage change may take them out of policy. */
  deployed: readonly { id: number; versionId: number; environment: string; requiredStage: Stage }[];
}

/** A request as read, with the decisions taken on it. */
export interface RequestWithDecisions extends RequestState {
  versionId: number;
  archiveExistingVersions: boolean;
  decisions: readonly DecisionState[];
}

export interface StageMove {
  versionId: number;
  fromStage: Stage;
  toStage: Stage;
  /** The applied request (the moved version's own), null for a direct change or an archive. */
  requestId: number | null;
}

/**
 * One stage change of a model: the versions that move (the target first), the PENDING requests
 * it supersedes (their fromStage no longer holds), and its audit events.
 */
export interface StageChange {
  modelId: number;
  at: Date;
  actor: string;
  moves: StageMove[];
  superseded: number[];
  audit: AuditEvent[];
}

export interface DecisionRow {
  requestId: number;
  approver: string;
  decision: 'APPROVE' | 'REJECT';
  comment: string | null;
}

/** Everything a decided command writes, in this order: decision, request status, stage change, audit. */
export interface Outcome {
  decision: DecisionRow | null;
  resolve: { requestId: number; status: Exclude<RequestStatus, 'PENDING'>; at: Date } | null;
  change: StageChange | null;
  audit: AuditEvent[];
}

const requestGid = (id: number) => toGlobalId('TransitionRequest', id);
const metricsOf = (version: VersionState) => Object.fromEntries(version.metrics);

/**
 * The one stage change rule: the version moves; with archiveExistingVersions every other version
 * in the target stage moves to ARCHIVED; every PENDING request of a version that moved (but the
 * applied one) is superseded. One STAGE_CHANGED per version moved, one TRANSITION_CANCELLED per
 * superseded request.
 */
export function planStageChange(args: {
  model: ModelState;
  version: GovernedVersion;
  command: StageChangeCommand;
  actor: string;
  requestId: number | null;
  comment: string | null;
  at: Date;
}): StageChange {
  const { model, version, command, actor, requestId, at } = args;
  const archived = versionsToArchive(model.inTargetStage, version.id, command);
  const moves: StageMove[] = [
    { versionId: version.id, fromStage: version.stage, toStage: command.toStage, requestId },
    ...archived.map((o) => ({ versionId: o.id, fromStage: o.stage, toStage: 'ARCHIVED' as Stage, requestId: null })),
  ];
  const numberOf = new Map([[version.id, version.version], ...archived.map((o) => [o.id, o.version] as const)]);
  const where = (v: number) => ({ actor, modelName: model.name, version: v });
  const audit: AuditEvent[] = [
    auditEvent('STAGE_CHANGED', where(version.version), {
      fromStage: version.stage,
      toStage: command.toStage,
      requestId: requestId === null ? null : requestGid(requestId),
      reason: requestId === null ? 'DIRECT' : 'REQUEST_APPROVED',
      archiveExistingVersions: command.archiveExistingVersions,
      promotedVersion: null,
      comment: args.comment,
    }),
    ...archived.map((o) =>
      auditEvent('STAGE_CHANGED', where(o.version), {
        fromStage: o.stage,
        toStage: 'ARCHIVED',
        requestId: null,
        reason: 'ARCHIVED_BY_PROMOTION',
        archiveExistingVersions: false,
        promotedVersion: version.version,
        comment: null,
      }),
    ),
  ];
  const superseded = [...model.pending].filter((r) => numberOf.has(r.versionId) && r.id !== requestId).sort((a, b) => a.id - b.id);
  for (const r of superseded) {
    audit.push(
      auditEvent('TRANSITION_CANCELLED', where(numberOf.get(r.versionId)!), {
        requestId: requestGid(r.id),
        fromStage: r.fromStage,
        toStage: r.toStage,
        reason: 'SUPERSEDED',
        comment: null,
      }),
    );
  }
  // Deployments whose version this change moves out of what their environment admits (semantics §3.6).
  for (const d of model.deployed) {
    const move = moves.find((m) => m.versionId === d.versionId);
    if (!move || !leavesPolicy(d.requiredStage, move.fromStage, move.toStage)) continue;
    audit.push(
      auditEvent('DEPLOYMENT_OUT_OF_POLICY', where(numberOf.get(d.versionId)!), {
        deploymentId: toGlobalId('Deployment', d.id),
        environment: d.environment,
        reason: 'STAGE_CHANGED',
        requiredStage: d.requiredStage,
        previousRequiredStage: d.requiredStage,
        fromStage: move.fromStage,
        toStage: move.toStage,
      }),
    );
  }
  return { modelId: model.id, at, actor, moves, superseded: superseded.map((r) => r.id), audit };
}

/** The row of a new request; PENDING, or APPROVED at once when its policy needs no approval. */
export interface NewRequest {
  versionId: number;
  fromStage: Stage;
  toStage: Stage;
  requestedBy: string;
  comment: string | null;
  archiveExistingVersions: boolean;
  requiredApprovals: number;
  status: 'PENDING' | 'APPROVED';
  resolvedAt: Date | null;
}

/** requestStageTransition: the row to insert, then (given its id) the rest of the outcome. */
export function requestOutcome(args: {
  model: ModelState;
  version: GovernedVersion | null;
  command: StageChangeCommand;
  actor: Principal;
  comment: string | null;
  now: Date;
}): { request: NewRequest; then(requestId: number): Outcome } {
  const { model, command, actor, comment, now } = args;
  const duplicate = args.version && model.pending.find((r) => r.versionId === args.version!.id && r.toStage === command.toStage);
  const decided = decideRequest({
    version: args.version,
    command,
    pendingSameTarget: duplicate ? requestGid(duplicate.id) : null,
    policy: model.policy,
  });
  const version = args.version!;
  const request: NewRequest = {
    versionId: version.id,
    fromStage: version.stage,
    toStage: command.toStage,
    requestedBy: actor.name,
    comment,
    archiveExistingVersions: command.archiveExistingVersions,
    requiredApprovals: decided.requiredApprovals,
    status: decided.applyNow ? 'APPROVED' : 'PENDING',
    resolvedAt: decided.applyNow ? now : null,
  };
  const where = { actor: actor.name, modelName: model.name, version: version.version };
  return {
    request,
    then(requestId) {
      const audit: AuditEvent[] = [
        auditEvent('TRANSITION_REQUESTED', where, {
          requestId: requestGid(requestId),
          fromStage: version.stage,
          toStage: command.toStage,
          archiveExistingVersions: command.archiveExistingVersions,
          requiredApprovals: decided.requiredApprovals,
          comment,
        }),
      ];
      if (!decided.applyNow) return { decision: null, resolve: null, change: null, audit };
      audit.push(
        auditEvent('TRANSITION_APPROVED', where, {
          requestId: requestGid(requestId),
          approvals: 0,
          requiredApprovals: 0,
          applied: true,
          automatic: true,
          comment: null,
          metrics: metricsOf(version),
        }),
      );
      const change = planStageChange({ model, version, command, actor: actor.name, requestId, comment: null, at: now });
      return { decision: null, resolve: null, change, audit: [...audit, ...change.audit] };
    },
  };
}

/** approveTransitionRequest: the decision, and when it reaches the count the request's stage change. */
export function approvalOutcome(args: {
  model: ModelState;
  request: RequestWithDecisions;
  version: GovernedVersion;
  actor: Principal;
  comment: string | null;
  now: Date;
}): Outcome {
  const { model, request, version, actor, comment, now } = args;
  const { approvals, apply } = decideApproval({ request, decisions: request.decisions, version, policy: model.policy, actor });
  const where = { actor: actor.name, modelName: model.name, version: version.version };
  const audit: AuditEvent[] = [
    auditEvent('TRANSITION_APPROVED', where, {
      requestId: requestGid(request.id),
      approvals,
      requiredApprovals: request.requiredApprovals,
      applied: apply,
      automatic: false,
      comment,
      metrics: metricsOf(version),
    }),
  ];
  const decision: DecisionRow = { requestId: request.id, approver: actor.name, decision: 'APPROVE', comment };
  if (!apply) return { decision, resolve: null, change: null, audit };
  const command = { toStage: request.toStage, archiveExistingVersions: request.archiveExistingVersions };
  const change = planStageChange({ model, version, command, actor: actor.name, requestId: request.id, comment: null, at: now });
  return {
    decision,
    resolve: { requestId: request.id, status: 'APPROVED', at: now },
    change,
    audit: [...audit, ...change.audit],
  };
}

/** rejectTransitionRequest: one rejection ends the request. */
export function rejectionOutcome(args: {
  modelName: string;
  request: RequestWithDecisions;
  version: GovernedVersion;
  actor: Principal;
  comment: string | null;
  now: Date;
}): Outcome {
  const { request, actor, comment } = args;
  decideRejection({ request, decisions: request.decisions, actor });
  return {
    decision: { requestId: request.id, approver: actor.name, decision: 'REJECT', comment },
    resolve: { requestId: request.id, status: 'REJECTED', at: args.now },
    change: null,
    audit: [
      auditEvent(
        'TRANSITION_REJECTED',
        { actor: actor.name, modelName: args.modelName, version: args.version.version },
        { requestId: requestGid(request.id), fromStage: request.fromStage, toStage: request.toStage, comment },
      ),
    ],
  };
}

/** cancelTransitionRequest: the requester or an ADMIN withdraws a PENDING request. */
export function cancellationOutcome(args: {
  modelName: string;
  request: RequestWithDecisions;
  version: GovernedVersion;
  actor: Principal;
  comment: string | null;
  now: Date;
}): Outcome {
  const { request, actor, comment } = args;
  decideCancel({ request, actor });
  return {
    decision: null,
    resolve: { requestId: request.id, status: 'CANCELLED', at: args.now },
    change: null,
    audit: [
      auditEvent(
        'TRANSITION_CANCELLED',
        { actor: actor.name, modelName: args.modelName, version: args.version.version },
        { requestId: requestGid(request.id), fromStage: request.fromStage, toStage: request.toStage, reason: 'CANCELLED', comment },
      ),
    ],
  };
}

/** transitionModelVersionStage (ADMIN): the stage change alone, no request. */
export function directTransitionOutcome(args: {
  model: ModelState;
  version: GovernedVersion | null;
  command: StageChangeCommand;
  actor: Principal;
  comment: string | null;
  now: Date;
}): Outcome {
  decideDirectTransition({ version: args.version, command: args.command, policy: args.model.policy });
  const change = planStageChange({ ...args, version: args.version!, actor: args.actor.name, requestId: null, at: args.now });
  return { decision: null, resolve: null, change, audit: change.audit };
}

/** deleteModelVersion: its PENDING requests are cancelled; one VERSION_DELETED and one TRANSITION_CANCELLED each. */
export function versionDeletionOutcome(args: {
  actor: string;
  modelName: string;
  version: number;
  aliases: string[];
  pending: readonly PendingRequest[];
}): { cancel: number[]; audit: AuditEvent[] } {
  const pending = [...args.pending].sort((a, b) => a.id - b.id);
  const where = { actor: args.actor, modelName: args.modelName, version: args.version };
  return {
    cancel: pending.map((r) => r.id),
    audit: [
      auditEvent('VERSION_DELETED', where, { aliases: args.aliases, cancelledRequests: pending.map((r) => requestGid(r.id)) }),
      ...pending.map((r) =>
        auditEvent('TRANSITION_CANCELLED', where, {
          requestId: requestGid(r.id),
          fromStage: r.fromStage,
          toStage: r.toStage,
          reason: 'VERSION_DELETED',
          comment: null,
        }),
      ),
    ],
  };
}
