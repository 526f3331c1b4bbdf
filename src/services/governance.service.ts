import type { Database } from '../db/client';
import { pageArgs, toPage, type KeysetQuery } from '../db/keyset';
import {
  auditWhere,
  countAuditEvents,
  findAuditEvents,
  recordAudit,
  type AuditFilter,
  type AuditRow,
} from '../db/repositories/audit.repository';
import type { SqlRunner } from '../db/direct';
import {
  insertRequest,
  lockModelNamed,
  lockModelOfRequest,
  readRequestState,
  readTargetState,
  writeOutcome,
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
import { auditEvent } from '../domain/audit';
import { notFound } from '../domain/errors';
import {
  approvalOutcome,
  cancellationOutcome,
  directTransitionOutcome,
  rejectionOutcome,
  requestOutcome,
  type Outcome,
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
    return this.db.direct.transaction(async (sql) => {
      const state = await this.lockedTarget(sql, input);
      const now = new Date();
      const planned = requestOutcome({ model: state.model, version: state.version, command, actor, comment, now });
      const request = await insertRequest(sql, planned.request, now);
      return this.write(sql, planned.then(request.id), { request, version: state.versionRow! }, now);
    });
  }

  async approve(actor: Principal, id: number, commentInput?: string | null): Promise<Decided> {
    const comment = validateText(commentInput, 'comment');
    return this.decide(id, (state, now) => approvalOutcome({ ...state, actor, comment, now }));
  }

  async reject(actor: Principal, id: number, commentInput?: string | null): Promise<Decided> {
    const comment = validateText(commentInput, 'comment');
    return this.decide(id, (state, now) => rejectionOutcome({ ...state, modelName: state.model.name, actor, comment, now }));
  }

  async cancel(actor: Principal, id: number, commentInput?: string | null): Promise<Decided> {
    const comment = validateText(commentInput, 'comment');
    return this.decide(id, (state, now) => cancellationOutcome({ ...state, modelName: state.model.name, actor, comment, now }));
  }

  /** ADMIN's direct change: no approvals, same checks and gates, recorded like any change. */
  async transitionDirect(actor: Principal, input: RequestTransitionInput): Promise<VersionRow> {
    const command = commandOf(input);
    const comment = validateText(input.comment, 'comment');
    return this.db.direct.transaction(async (sql) => {
      const state = await this.lockedTarget(sql, input);
      const now = new Date();
      const outcome = directTransitionOutcome({ model: state.model, version: state.version, command, actor, comment, now });
      return (await this.write(sql, outcome, { request: null, version: state.versionRow! }, now)).version;
    });
  }

  /** A decision on a request: read it under its model's lock, let the domain decide, write that. */
  private decide(id: number, outcomeOf: (state: RequestState, now: Date) => Outcome): Promise<Decided> {
    return this.db.direct.transaction(async (sql) => {
      await lockModelOfRequest(sql, id);
      const state = await readRequestState(sql, id);
      if (!state) throw notFound('No such transition request');
      const now = new Date();
      return this.write(sql, outcomeOf(state, now), state.rows, now);
    });
  }

  /** The model and version a stage change targets, read under the model's lock. */
  private async lockedTarget(sql: SqlRunner, input: { name: string; version: number; toStage: Stage }): Promise<TargetState> {
    const notFoundModel = () => notFound(`No registered model named "${input.name}"`);
    if (!isLookupable(input.name)) throw notFoundModel();
    await lockModelNamed(sql, input.name);
    const state = await readTargetState(sql, input);
    if (!state) throw notFoundModel();
    return state;
  }

  /**
   * Writes what the domain decided (governance.repository.ts) and returns the request and version
   * as they now are: the rows read under the lock with the outcome applied, not read again.
   */
  private async write<R extends RequestRow | null>(
    sql: SqlRunner,
    outcome: Outcome,
    rows: { request: R; version: VersionRow },
    now: Date,
  ): Promise<{ request: R; version: VersionRow }> {
    await writeOutcome(sql, outcome, outcome.audit, now);
    const { resolve, change } = outcome;
    const request = (rows.request && resolve ? { ...rows.request, status: resolve.status, resolvedAt: resolve.at } : rows.request) as R;
    const moved = change?.moves.find((m) => m.versionId === rows.version.id);
    const version = moved ? { ...rows.version, stage: moved.toStage, updatedAt: change!.at } : rows.version;
    return { request, version };
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
