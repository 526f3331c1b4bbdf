import type { Database, Tx } from '../db/client';
import { pageArgs, toPage, type KeysetQuery } from '../db/keyset';
import {
  auditWhere,
  countAuditEvents,
  findAuditEvents,
  recordAudit,
  type AuditFilter,
  type AuditRow,
} from '../db/repositories/audit.repository';
import {
  insertRequest,
  lockModelNamed,
  lockModelOfRequest,
  readRequestState,
  readTargetState,
  resolveRequest,
  writeDecision,
  writeStageChange,
  type RequestState,
  type TargetState,
} from '../db/repositories/governance.repository';
import { findModelByName } from '../db/repositories/model.repository';
import { findPolicyRows, toPolicy, upsertPolicy } from '../db/repositories/policy.repository';
import {
  countRequests,
  findRequests,
  requestsOrdered,
  requestWhere,
  type RequestFilter,
  type RequestRow,
} from '../db/repositories/request.repository';
import type { VersionRow } from '../db/repositories/version.repository';
import { auditEvent, type AuditEvent } from '../domain/audit';
import { notFound } from '../domain/errors';
import {
  approvalOutcome,
  cancellationOutcome,
  directTransitionOutcome,
  rejectionOutcome,
  requestOutcome,
  type Outcome,
  type StageChange,
} from '../domain/governance';
import { validateModelName, validateText } from '../domain/names';
import { pageSize, type Listing } from '../domain/paging';
import { policyInForce, validatePolicy, type MetricGate, type Policy } from '../domain/policy';
import { isLookupable } from '../domain/registry-search';
import type { Principal } from '../domain/roles';
import type { Stage, StageChangeCommand } from '../domain/stages';
import { AUDIT_ORDER_FIELDS, DEFAULT_AUDIT_ORDER, type AuditOrderField, type RequestOrderField } from '../domain/governance-order';
import { sortKeys, type OrderInput } from '../domain/registry-search';

/** The audit list's keyset query in the order asked (newest first by default); see db/keyset.ts. */
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

/** A governance command's request (null for a direct transition) and its version, as written. */
export interface Decided {
  request: RequestRow;
  version: VersionRow;
}

const commandOf = (input: RequestTransitionInput): StageChangeCommand => ({
  toStage: input.toStage,
  archiveExistingVersions: input.archiveExistingVersions ?? false,
});

/**
 * Governance use cases: policies, transition requests and their decisions, direct transitions.
 * Each runs in one transaction: lock the model, read what the decision needs in one statement
 * (governance.repository.ts), let src/domain/governance.ts decide the complete outcome, write it.
 */
export class GovernanceService {
  constructor(private readonly db: Database) {}

  /** The policy in force for a target stage: the model's own, else the registry-wide, else the default. */
  async policyInForce(modelName: string | null | undefined, stage: Stage): Promise<PolicyView> {
    const prisma = this.db.prisma;
    if (modelName == null) {
      const rows = await findPolicyRows(prisma, [], stage);
      return toPolicyView(policyInForce(stage, rows.map(toPolicy)), '');
    }
    const model = await findModelByName(prisma, modelName);
    if (!model) throw notFound(`No registered model named "${modelName}"`);
    const rows = await findPolicyRows(prisma, [model.id], stage);
    return toPolicyView(policyInForce(stage, rows.map(toPolicy)), model.name);
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
      await recordAudit(
        tx,
        auditEvent(
          'POLICY_SET',
          { actor: actor.name, modelName: model?.name ?? null },
          { scope: model ? 'MODEL' : 'REGISTRY', stage: input.stage, ...policy },
        ),
      );
      return toPolicyView(toPolicy(row), model?.name ?? '');
    });
  }

  async requestTransition(actor: Principal, input: RequestTransitionInput): Promise<Decided> {
    const command = commandOf(input);
    const comment = validateText(input.comment, 'comment');
    return this.db.prisma.$transaction(async (tx) => {
      const state = await this.lockedTarget(tx, input);
      const planned = requestOutcome({ model: state.model, version: state.version, command, actor, comment, now: new Date() });
      const request = await insertRequest(tx, planned.request);
      return this.write(tx, planned.then(request.id), { request, version: state.versionRow! });
    });
  }

  async approve(actor: Principal, id: number, commentInput?: string | null): Promise<Decided> {
    const comment = validateText(commentInput, 'comment');
    return this.db.prisma.$transaction(async (tx) => {
      const state = await this.lockedRequest(tx, id);
      return this.write(tx, approvalOutcome({ ...state, actor, comment, now: new Date() }), state.rows);
    });
  }

  async reject(actor: Principal, id: number, commentInput?: string | null): Promise<Decided> {
    const comment = validateText(commentInput, 'comment');
    return this.db.prisma.$transaction(async (tx) => {
      const state = await this.lockedRequest(tx, id);
      return this.write(tx, rejectionOutcome({ ...state, modelName: state.model.name, actor, comment, now: new Date() }), state.rows);
    });
  }

  async cancel(actor: Principal, id: number, commentInput?: string | null): Promise<Decided> {
    const comment = validateText(commentInput, 'comment');
    return this.db.prisma.$transaction(async (tx) => {
      const state = await this.lockedRequest(tx, id);
      return this.write(tx, cancellationOutcome({ ...state, modelName: state.model.name, actor, comment, now: new Date() }), state.rows);
    });
  }

  /** ADMIN's direct change: no approvals, same checks and gates, recorded like any change. */
  async transitionDirect(actor: Principal, input: RequestTransitionInput): Promise<VersionRow> {
    const command = commandOf(input);
    const comment = validateText(input.comment, 'comment');
    return this.db.prisma.$transaction(async (tx) => {
      const state = await this.lockedTarget(tx, input);
      const outcome = directTransitionOutcome({ model: state.model, version: state.version, command, actor, comment, now: new Date() });
      return (await this.write(tx, outcome, { request: null, version: state.versionRow! })).version;
    });
  }

  /** The model and version a stage change targets, read under the model's lock. */
  private async lockedTarget(tx: Tx, input: { name: string; version: number; toStage: Stage }): Promise<TargetState> {
    const notFoundModel = () => notFound(`No registered model named "${input.name}"`);
    if (!isLookupable(input.name)) throw notFoundModel();
    await lockModelNamed(tx, this.db.provider, input.name);
    const state = await readTargetState(tx, this.db.provider, input);
    if (!state) throw notFoundModel();
    return state;
  }

  /** A request of a live version and what deciding it needs, read under its model's lock. */
  private async lockedRequest(tx: Tx, id: number): Promise<RequestState> {
    await lockModelOfRequest(tx, this.db.provider, id);
    const state = await readRequestState(tx, this.db.provider, id);
    if (!state) throw notFound('No such transition request');
    return state;
  }

  /** Writes what the domain decided, in order: decision, request status, stage change, audit. */
  private async write<R extends RequestRow | null>(
    tx: Tx,
    outcome: Outcome,
    rows: { request: R; version: VersionRow },
  ): Promise<{ request: R; version: VersionRow }> {
    let { request, version } = rows;
    if (outcome.decision) request = ((await writeDecision(tx, this.db.provider, outcome.decision, outcome.resolve)) ?? request) as R;
    else if (outcome.resolve) request = (await resolveRequest(tx, outcome.resolve)) as R;
    const audit = [...outcome.audit];
    if (outcome.change) {
      const applied = await this.applyStageChange(tx, outcome.change);
      version = applied.version;
      audit.push(...applied.audit);
    }
    await recordAudit(tx, ...audit);
    return { request, version };
  }

  /**
   * The one place a stage change is applied (approval that applies, a request applied at once,
   * a direct transition; archives by promotion are part of the change). Returns the moved
   * version and the audit events its consequences add beyond the change's own, which the
   * domain already recorded in the outcome.
   */
  private async applyStageChange(tx: Tx, change: StageChange): Promise<{ version: VersionRow; audit: AuditEvent[] }> {
    const version = await writeStageChange(tx, change);
    return { version, audit: [] };
  }

  /** Query.transitionRequests: requests of live versions, newest first unless `orderBy` says otherwise. */
  async requests(
    filter: RequestFilter,
    first?: number | null,
    after?: string | null,
    orderBy?: readonly OrderInput<RequestOrderField>[] | null,
  ): Promise<Listing<RequestRow>> {
    const page = { first: pageSize(first), after };
    const where = requestWhere(filter);
    const query = requestsOrdered('', orderBy);
    const rows = await findRequests(this.db.prisma, pageArgs(query, page, where));
    return { page: toPage(query, page, rows), totalCount: () => countRequests(this.db.prisma, where) };
  }

  /** Query.auditEvents: newest first unless `orderBy` says otherwise; `since` inclusive, `until` exclusive. */
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
}
