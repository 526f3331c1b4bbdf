import type { Database, Tx } from '../db/client';
import { pageArgs, toPage, type KeysetQuery } from '../db/keyset';
import {
  auditWhere,
  countAuditEvents,
  findAuditEvents,
  recordAudit,
  type AuditEntry,
  type AuditFilter,
  type AuditRow,
} from '../db/repositories/audit.repository';
import { findModelByName, lockModelRow } from '../db/repositories/model.repository';
import { findPolicyRows, toPolicy, upsertPolicy } from '../db/repositories/policy.repository';
import {
  cancelRequests,
  countRequests,
  createRequest,
  findDecisions,
  findPendingOfVersions,
  findPendingRequests,
  findRequest,
  findRequests,
  findVersionForGovernance,
  findVersionsInStage,
  insertDecision,
  moveVersion,
  requestWhere,
  resolveRequest,
  type RequestFilter,
  type RequestRow,
} from '../db/repositories/request.repository';
import type { VersionRow } from '../db/repositories/version.repository';
import { conflict, notFound } from '../domain/errors';
import { validateModelName, validateText } from '../domain/names';
import { pageSize, type Listing } from '../domain/paging';
import { policyInForce, validatePolicy, type MetricGate, type Policy } from '../domain/policy';
import type { Principal } from '../domain/roles';
import { versionsToArchive, type Stage, type StageChangeCommand } from '../domain/stages';
import {
  decideApproval,
  decideCancel,
  decideDirectTransition,
  decideRejection,
  decideRequest,
  type RequestState,
  type VersionState,
} from '../domain/transitions';
// Request ids in errors and audit details are the public (global) ids a client can use:
// a pure encoding function, not GraphQL machinery.
import { toGlobalId } from '../domain/ids';
import {
  AUDIT_ORDER_FIELDS,
  DEFAULT_AUDIT_ORDER,
  DEFAULT_REQUEST_ORDER,
  REQUEST_ORDER_FIELDS,
  type AuditOrderField,
  type RequestOrderField,
} from '../domain/governance-order';
import { sortKeys, type OrderInput } from '../domain/registry-search';
import { requireModel } from './lookup';
import { isUniqueViolation } from './errors';

/** Keyset queries of the top-level lists in the order asked (newest first by default); see db/keyset.ts. */
function requestsQuery(orderBy: readonly OrderInput<RequestOrderField>[] | null | undefined): KeysetQuery {
  return {
    kind: 'TransitionRequest',
    keys: sortKeys(orderBy, REQUEST_ORDER_FIELDS, DEFAULT_REQUEST_ORDER),
    dateFields: new Set(['createdAt']),
  };
}
function auditQuery(orderBy: readonly OrderInput<AuditOrderField>[] | null | undefined): KeysetQuery {
  return { kind: 'AuditEvent', keys: sortKeys(orderBy, AUDIT_ORDER_FIELDS, DEFAULT_AUDIT_ORDER), dateFields: new Set(['at']) };
}

/** A policy as the API shows it: `modelName` null for the registry-wide or built-in default. */
export interface PolicyView {
  modelName: string | null;
  stage: Stage;
  requiredApprovals: number;
  allowSelfApproval: boolean;
  metricGates: MetricGate[];
}

export function toPolicyView(policy: Policy, modelName: string): PolicyView {
  const { stage, requiredApprovals, allowSelfApproval, metricGates } = policy;
  return { modelName: policy.scope === 'MODEL' ? modelName : null, stage, requiredApprovals, allowSelfApproval, metricGates };
}

export interface RequestTransitionInput {
  name: string;
  version: number;
  toStage: Stage;
  comment?: string | null;
  archiveExistingVersions?: boolean | null;
}

export interface SetPolicyInput {
  modelName?: string | null;
  stage: Stage;
  requiredApprovals: number;
  allowSelfApproval?: boolean | null;
  metricGates?: MetricGate[] | null;
}

type GovernedVersion = NonNullable<Awaited<ReturnType<typeof findVersionForGovernance>>>;

const requestGid = (id: number) => toGlobalId('TransitionRequest', id);

function versionState(v: GovernedVersion | null): VersionState | null {
  return v && { stage: v.stage, status: v.status, deleted: v.deletedAt !== null, metrics: new Map(v.metrics.map((m) => [m.key, m.value])) };
}

function requestState(r: RequestRow): RequestState {
  return {
    id: r.id,
    status: r.status,
    requestedBy: r.requestedBy,
    fromStage: r.fromStage,
    toStage: r.toStage,
    requiredApprovals: r.requiredApprovals,
  };
}

const metricsOf = (v: GovernedVersion) => Object.fromEntries(v.metrics.map((m) => [m.key, m.value]));

/**
 * Governance use cases: policies, transition requests and their decisions, direct transitions.
 * Each runs in one transaction that first locks the model's row (lockModelRow), then re-reads
 * what it decides on, asks src/domain/transitions.ts, and writes the outcome with its audit.
 */
export class GovernanceService {
  constructor(private readonly db: Database) {}

  private async policyFor(tx: Tx, modelId: number, stage: Stage): Promise<Policy> {
    const rows = await findPolicyRows(tx, [modelId], stage);
    const own = rows.find((r) => r.modelId === modelId);
    const registry = rows.find((r) => r.modelId === null);
    return policyInForce(stage, own && toPolicy(own), registry && toPolicy(registry));
  }

  /** The policy in force for a target stage: the model's own, else the registry-wide, else the default. */
  async policyInForce(modelName: string | null | undefined, stage: Stage): Promise<PolicyView> {
    const prisma = this.db.prisma;
    if (modelName == null) {
      const rows = await findPolicyRows(prisma, [], stage);
      return toPolicyView(policyInForce(stage, null, rows[0] && toPolicy(rows[0])), '');
    }
    const model = await findModelByName(prisma, modelName);
    if (!model) throw notFound(`No registered model named "${modelName}"`);
    return toPolicyView(await this.policyFor(prisma, model.id, stage), model.name);
  }

  /** Sets (replaces) the registry-wide policy of a stage, or one model's own. */
  async setPolicy(actor: Principal, input: SetPolicyInput): Promise<PolicyView> {
    const policy = validatePolicy(input);
    return this.db.prisma.$transaction(async (tx) => {
      let model = null;
      if (input.modelName != null) {
        model = await findModelByName(tx, validateModelName(input.modelName, 'modelName'));
        if (!model) throw notFound(`No registered model named "${input.modelName}"`);
      }
      const row = await upsertPolicy(tx, model?.id ?? null, input.stage, policy);
      await recordAudit(tx, {
        action: 'POLICY_SET',
        actor: actor.name,
        modelName: model?.name ?? null,
        details: { scope: model ? 'MODEL' : 'REGISTRY', stage: input.stage, ...policy },
      });
      return toPolicyView(toPolicy(row), model?.name ?? '');
    });
  }

  async requestTransition(actor: Principal, input: RequestTransitionInput): Promise<RequestRow> {
    const command: StageChangeCommand = { toStage: input.toStage, archiveExistingVersions: input.archiveExistingVersions ?? false };
    const comment = validateText(input.comment, 'comment');
    return this.db.prisma.$transaction(async (tx) => {
      const { model, version, policy } = await this.lockedTarget(tx, input);
      const [duplicate] = await findPendingRequests(tx, version.id, command.toStage);
      const outcome = decideRequest({
        version: versionState(version),
        command,
        pendingSameTarget: duplicate ? requestGid(duplicate.id) : null,
        policy,
      });

      const at = new Date();
      let request = await createRequest(tx, {
        versionId: version.id,
        fromStage: version.stage,
        toStage: command.toStage,
        requestedBy: actor.name,
        comment,
        archiveExistingVersions: command.archiveExistingVersions,
        requiredApprovals: outcome.requiredApprovals,
      });
      const where = { modelName: model.name, version: version.version };
      const audit: AuditEntry[] = [
        {
          action: 'TRANSITION_REQUESTED',
          actor: actor.name,
          ...where,
          details: {
            requestId: requestGid(request.id),
            fromStage: version.stage,
            ...command,
            requiredApprovals: outcome.requiredApprovals,
            comment,
          },
        },
      ];
      if (outcome.applyNow) {
        request = await resolveRequest(tx, request.id, 'APPROVED', at);
        audit.push({
          action: 'TRANSITION_APPROVED',
          actor: actor.name,
          ...where,
          details: {
            requestId: requestGid(request.id),
            automatic: true,
            approvals: 0,
            requiredApprovals: 0,
            applied: true,
            metrics: metricsOf(version),
          },
        });
        audit.push(...(await this.apply(tx, { version, modelName: model.name, command, actor: actor.name, requestId: request.id, at })));
      }
      await recordAudit(tx, ...audit);
      return request;
    });
  }

  /** Loads a request under its model's lock: unknown ids and requests of deleted versions are NOT_FOUND. */
  /** The version a stage change targets, read under its model's lock, with the policy of the target stage. */
  private async lockedTarget(tx: Tx, input: { name: string; version: number; toStage: Stage }) {
    const model = await requireModel(tx, input.name);
    const version = await findVersionForGovernance(tx, { modelId: model.id, version: input.version });
    if (!version) throw notFound(`Model "${input.name}" has no version ${input.version}`);
    return { model, version, policy: await this.policyFor(tx, model.id, input.toStage) };
  }

  private async lockedRequest(tx: Tx, id: number) {
    const first = await findRequest(tx, id);
    if (!first || first.version.deletedAt) throw notFound('No such transition request');
    await lockModelRow(tx, first.version.modelId);
    // Re-read after the lock: another transaction may have decided it meanwhile.
    const request = await findRequest(tx, id);
    if (!request || request.version.deletedAt) throw notFound('No such transition request');
    return request;
  }

  async approve(actor: Principal, id: number, commentInput?: string | null): Promise<RequestRow> {
    const comment = validateText(commentInput, 'comment');
    return this.db.prisma.$transaction(async (tx) => {
      const request = await this.lockedRequest(tx, id);
      const decisions = await findDecisions(tx, [id]);
      const version = await findVersionForGovernance(tx, { id: request.versionId });
      const policy = await this.policyFor(tx, request.version.modelId, request.toStage);
      const outcome = decideApproval({ request: requestState(request), decisions, version: versionState(version), policy, actor });
      await this.decide(tx, { requestId: id, approver: actor.name, decision: 'APPROVE', comment });

      const where = { modelName: request.version.model.name, version: request.version.version };
      const audit: AuditEntry[] = [
        {
          action: 'TRANSITION_APPROVED',
          actor: actor.name,
          ...where,
          details: {
            requestId: requestGid(id),
            approvals: outcome.approvals,
            requiredApprovals: request.requiredApprovals,
            applied: outcome.apply,
            comment,
            metrics: metricsOf(version!),
          },
        },
      ];
      let result: RequestRow = request;
      if (outcome.apply) {
        const at = new Date();
        result = await resolveRequest(tx, id, 'APPROVED', at);
        const command = { toStage: request.toStage, archiveExistingVersions: request.archiveExistingVersions };
        audit.push(
          ...(await this.apply(tx, { version: version!, modelName: where.modelName, command, actor: actor.name, requestId: id, at })),
        );
      }
      await recordAudit(tx, ...audit);
      return result;
    });
  }

  async reject(actor: Principal, id: number, commentInput?: string | null): Promise<RequestRow> {
    const comment = validateText(commentInput, 'comment');
    return this.db.prisma.$transaction(async (tx) => {
      const request = await this.lockedRequest(tx, id);
      decideRejection({ request: requestState(request), decisions: await findDecisions(tx, [id]), actor });
      await this.decide(tx, { requestId: id, approver: actor.name, decision: 'REJECT', comment });
      const result = await resolveRequest(tx, id, 'REJECTED', new Date());
      await recordAudit(tx, {
        action: 'TRANSITION_REJECTED',
        actor: actor.name,
        modelName: request.version.model.name,
        version: request.version.version,
        details: { requestId: requestGid(id), fromStage: request.fromStage, toStage: request.toStage, comment },
      });
      return result;
    });
  }

  async cancel(actor: Principal, id: number, commentInput?: string | null): Promise<RequestRow> {
    const comment = validateText(commentInput, 'comment');
    return this.db.prisma.$transaction(async (tx) => {
      const request = await this.lockedRequest(tx, id);
      decideCancel({ request: requestState(request), actor });
      const result = await resolveRequest(tx, id, 'CANCELLED', new Date());
      await recordAudit(tx, {
        action: 'TRANSITION_CANCELLED',
        actor: actor.name,
        modelName: request.version.model.name,
        version: request.version.version,
        details: { requestId: requestGid(id), fromStage: request.fromStage, toStage: request.toStage, reason: 'CANCELLED', comment },
      });
      return result;
    });
  }

  /** ADMIN's direct change: no approvals, same checks and gates, recorded like any change. */
  async transitionDirect(actor: Principal, input: RequestTransitionInput): Promise<VersionRow> {
    const command: StageChangeCommand = { toStage: input.toStage, archiveExistingVersions: input.archiveExistingVersions ?? false };
    const comment = validateText(input.comment, 'comment');
    return this.db.prisma.$transaction(async (tx) => {
      const { model, version, policy } = await this.lockedTarget(tx, input);
      decideDirectTransition({ version: versionState(version), command, policy });
      const audit = await this.apply(tx, {
        version,
        modelName: model.name,
        command,
        actor: actor.name,
        requestId: null,
        at: new Date(),
        comment,
      });
      await recordAudit(tx, ...audit);
      return tx.modelVersion.findUniqueOrThrow({ where: { id: version.id } });
    });
  }

  /** Query.transitionRequests: requests of live versions, newest first. */
  async requests(
    filter: RequestFilter,
    first?: number | null,
    after?: string | null,
    orderBy?: readonly OrderInput<RequestOrderField>[] | null,
  ): Promise<Listing<RequestRow>> {
    const page = { first: pageSize(first), after };
    const where = requestWhere(filter);
    const query = requestsQuery(orderBy);
    const rows = await findRequests(this.db.prisma, pageArgs(query, page, where));
    return { page: toPage(query, page, rows), totalCount: () => countRequests(this.db.prisma, where) };
  }

  /** Query.auditEvents: newest first; `since` inclusive, `until` exclusive. */
  async auditEvents(
    filter: AuditFilter,
    first?: number | null,
    after?: string | null,
    orderBy?: readonly OrderInput<AuditOrderField>[] | null,
  ): Promise<Listing<AuditRow>> {
    const page = { first: pageSize(first), after };
    const where = auditWhere(filter);
    const query = auditQuery(orderBy);
    const rows = await findAuditEvents(this.db.prisma, pageArgs(query, page, where));
    return { page: toPage(query, page, rows), totalCount: () => countAuditEvents(this.db.prisma, where) };
  }

  /** One decision per principal: the unique (requestId, approver) backs the domain's check. */
  private async decide(tx: Tx, data: Parameters<typeof insertDecision>[1]): Promise<void> {
    try {
      await insertDecision(tx, data);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`${data.approver} has decided this request already`);
      throw error;
    }
  }

  /**
   * Applies a stage change (the caller holds the model lock): the version moves; with
   * archiveExistingVersions every other version in the target stage moves to ARCHIVED
   * (StageTransition.request null: the contract reserves it for the request's own version);
   * every PENDING request of a version that moved is CANCELLED, since its fromStage no longer
   * holds. Returns the audit events: one STAGE_CHANGED per version moved, one
   * TRANSITION_CANCELLED per superseded request.
   */
  private async apply(
    tx: Tx,
    change: {
      version: GovernedVersion;
      modelName: string;
      command: StageChangeCommand;
      actor: string;
      requestId: number | null;
      at: Date;
      comment?: string | null;
    },
  ): Promise<AuditEntry[]> {
    const { version, modelName, command, actor, requestId, at } = change;
    const others = versionsToArchive(await findVersionsInStage(tx, version.modelId, command.toStage), version.id, command);
    const audit: AuditEntry[] = [];
    await moveVersion(tx, { versionId: version.id, fromStage: version.stage, toStage: command.toStage, actor, requestId, at });
    audit.push({
      action: 'STAGE_CHANGED',
      actor,
      modelName,
      version: version.version,
      details: {
        fromStage: version.stage,
        toStage: command.toStage,
        requestId: requestId === null ? null : requestGid(requestId),
        reason: requestId === null ? 'DIRECT' : 'REQUEST_APPROVED',
        archiveExistingVersions: command.archiveExistingVersions,
        ...(change.comment !== undefined ? { comment: change.comment } : {}),
      },
    });
    for (const other of others) {
      await moveVersion(tx, { versionId: other.id, fromStage: other.stage, toStage: 'ARCHIVED', actor, requestId: null, at });
      audit.push({
        action: 'STAGE_CHANGED',
        actor,
        modelName,
        version: other.version,
        details: {
          fromStage: other.stage,
          toStage: 'ARCHIVED',
          requestId: null,
          reason: 'ARCHIVED_BY_PROMOTION',
          promotedVersion: version.version,
        },
      });
    }
    const superseded = (await findPendingOfVersions(tx, [version.id, ...others.map((o) => o.id)])).filter((r) => r.id !== requestId);
    await cancelRequests(
      tx,
      superseded.map((r) => r.id),
      at,
    );
    const numberOf = new Map([[version.id, version.version], ...others.map((o) => [o.id, o.version] as [number, number])]);
    for (const r of superseded) {
      audit.push({
        action: 'TRANSITION_CANCELLED',
        actor,
        modelName,
        version: numberOf.get(r.versionId) ?? null,
        details: { requestId: requestGid(r.id), fromStage: r.fromStage, toStage: r.toStage, reason: 'SUPERSEDED' },
      });
    }
    // A stage change of a version updates its model too, as in MLflow.
    await tx.registeredModel.update({ where: { id: version.modelId }, data: { updatedAt: at } });
    return audit;
  }
}
