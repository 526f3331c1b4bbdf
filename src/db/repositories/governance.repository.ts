import type { Provider, Tx } from '../client';
import { Prisma } from '../generated/sqlite/client';
import type { Outcome, GovernedVersion, ModelState, PendingRequest, RequestWithDecisions, StageChange } from '../../domain/governance';
import type { NewRequest, DecisionRow as DecisionToWrite } from '../../domain/governance';
import { policyInForce } from '../../domain/policy';
import type { Stage } from '../../domain/stages';
import type { DecisionState } from '../../domain/transitions';
import { toPolicy } from './policy.repository';
import { cancelRequests, type RequestRow } from './request.repository';
import { VERSION_FIELDS } from '../sql';
import { toVersionRow } from './search.repository';
import type { VersionRow } from './version.repository';

/*
 * Governance reads what a decision needs in one statement under the model's lock, and writes
 * what the domain decided. The lock: on PostgreSQL a no-op UPDATE of the model's row, held until
 * commit; a second transaction on the same model waits there and, under READ COMMITTED, its
 * next statement sees what the first committed. On SQLite the connection runs one transaction
 * at a time (db/sqlite-adapter.ts), which is the lock already: no statement.
 */

/** Locks the model a request belongs to (PostgreSQL); the read that follows finds it or not. */
export async function lockModelOfRequest(tx: Tx, provider: Provider, requestId: number): Promise<void> {
  if (provider !== 'postgres') return;
  await tx.$executeRaw`UPDATE "RegisteredModel" SET "lastVersion" = "lastVersion"
    WHERE "id" = (SELECT v."modelId" FROM "TransitionRequest" r JOIN "ModelVersion" v ON v."id" = r."versionId" WHERE r."id" = ${requestId})`;
}

/**
 * Locks a model by name (PostgreSQL). A rename that commits while this waits is re-checked
 * against the name, so the row locked, if any, is the one that bears the name until commit.
 */
export async function lockModelNamed(tx: Tx, provider: Provider, name: string): Promise<void> {
  if (provider !== 'postgres') return;
  await tx.$executeRaw`UPDATE "RegisteredModel" SET "lastVersion" = "lastVersion" WHERE "name" = ${name}`;
}

// ---- the one-statement reads: JSON aggregates of the children, per dialect ----

interface Dialect {
  object(pairs: [string, string][]): string;
  array(objectSql: string): string;
  stage(param: Stage): Prisma.Sql;
}
const DIALECTS: Record<Provider, Dialect> = {
  sqlite: {
    object: (pairs) => `json_object(${pairs.map(([k, v]) => `'${k}', ${v}`).join(', ')})`,
    array: (obj) => `json_group_array(${obj})`,
    stage: (s) => Prisma.sql`${s}`,
  },
  postgres: {
    object: (pairs) => `json_build_object(${pairs.map(([k, v]) => `'${k}', ${v}`).join(', ')})`,
    array: (obj) => `COALESCE(json_agg(${obj}), '[]'::json)`,
    stage: (s) => Prisma.sql`CAST(${s} AS "Stage")`,
  },
};

const REQUEST_COLUMNS = [
  'id',
  'versionId',
  'fromStage',
  'toStage',
  'status',
  'requestedBy',
  'comment',
  'archiveExistingVersions',
  'requiredApprovals',
  'createdAt',
  'resolvedAt',
];
/** A version row as VersionRow has it: the live columns and the deletion mark. */
const VERSION_COLUMNS = [...VERSION_FIELDS, 'deletedAt'];
const prefixed = (alias: string, columns: string[]) => columns.map((c) => `${alias}."${c}" AS "${alias}_${c}"`).join(', ');
const unprefixed = (raw: Record<string, unknown>, alias: string) =>
  Object.fromEntries(Object.entries(raw).flatMap(([k, v]) => (k.startsWith(`${alias}_`) ? [[k.slice(alias.length + 1), v]] : [])));

/**
 * The children every governance decision reads, as JSON columns of one row: the version's
 * metrics, the policies for the target stage, the model's live versions in the target stage and
 * the PENDING requests of its live versions. `m`, `v` and `target` name the outer row's model,
 * version and target stage.
 */
function childrenSql(d: Dialect, target: Prisma.Sql): Prisma.Sql {
  const metrics = d.array(
    d.object([
      ['key', 'x."key"'],
      ['value', 'x."value"'],
    ]),
  );
  const policies = d.array(
    d.object([
      ['modelId', 'p."modelId"'],
      ['stage', 'p."stage"'],
      ['requiredApprovals', 'p."requiredApprovals"'],
      ['allowSelfApproval', 'p."allowSelfApproval"'],
      ['metricGates', 'p."metricGates"'],
    ]),
  );
  const inTarget = d.array(
    d.object([
      ['id', 'o."id"'],
      ['version', 'o."version"'],
      ['stage', 'o."stage"'],
    ]),
  );
  const pending = d.array(
    d.object([
      ['id', 'q."id"'],
      ['versionId', 'q."versionId"'],
      ['fromStage', 'q."fromStage"'],
      ['toStage', 'q."toStage"'],
    ]),
  );
  const deployed = d.array(
    d.object([
      ['id', 'dp."id"'],
      ['versionId', 'dp."versionId"'],
      ['environment', 'e."name"'],
      ['requiredStage', 'e."requiredStage"'],
    ]),
  );
  return Prisma.sql`
    (SELECT ${Prisma.raw(deployed)} FROM "Deployment" dp JOIN "Environment" e ON e."id" = dp."environmentId"
      WHERE dp."modelId" = m."id" AND dp."currentKey" IS NOT NULL) AS "deployed",
    (SELECT ${Prisma.raw(metrics)} FROM "VersionMetric" x WHERE x."versionId" = v."id") AS "metrics",
    (SELECT ${Prisma.raw(policies)} FROM "GovernancePolicy" p WHERE p."stage" = ${target} AND (p."scope" = '*' OR p."modelId" = m."id")) AS "policies",
    (SELECT ${Prisma.raw(inTarget)} FROM "ModelVersion" o WHERE o."modelId" = m."id" AND o."deletedAt" IS NULL AND o."stage" = ${target}) AS "inTarget",
    (SELECT ${Prisma.raw(pending)} FROM "TransitionRequest" q JOIN "ModelVersion" qv ON qv."id" = q."versionId"
      WHERE qv."modelId" = m."id" AND qv."deletedAt" IS NULL AND q."status" = 'PENDING') AS "pending"`;
}

const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;
const bool = (value: unknown) => value === true || value === 1 || value === '1' || value === 'true';

function modelState(raw: Record<string, unknown>, stage: Stage): ModelState {
  type PolicyJson = { modelId: number | null; stage: Stage; requiredApprovals: number; allowSelfApproval: unknown; metricGates: string };
  const policies = json<PolicyJson[]>(raw.policies).map((p) => toPolicy({ ...p, allowSelfApproval: bool(p.allowSelfApproval) }));
  return {
    id: Number(raw.m_id),
    name: String(raw.m_name),
    policy: policyInForce(stage, policies),
    inTargetStage: json<ModelState['inTargetStage']>(raw.inTarget),
    pending: json<PendingRequest[]>(raw.pending),
    deployed: json<ModelState['deployed']>(raw.deployed),
  };
}

function governedVersion(row: VersionRow, raw: Record<string, unknown>): GovernedVersion {
  const metrics = json<{ key: string; value: number }[]>(raw.metrics);
  return {
    id: row.id,
    version: row.version,
    stage: row.stage,
    status: row.status,
    deleted: row.deletedAt !== null,
    metrics: new Map(metrics.map((m) => [m.key, Number(m.value)])),
  };
}

/** A raw request row as Prisma's own queries return it. */
function toRequestRow(raw: Record<string, unknown>): RequestRow {
  const date = (v: unknown) => (v == null ? null : v instanceof Date ? v : new Date(typeof v === 'number' ? v : String(v)));
  return {
    id: Number(raw.id),
    versionId: Number(raw.versionId),
    fromStage: String(raw.fromStage) as Stage,
    toStage: String(raw.toStage) as Stage,
    status: String(raw.status) as RequestRow['status'],
    requestedBy: String(raw.requestedBy),
    comment: raw.comment == null ? null : String(raw.comment),
    archiveExistingVersions: bool(raw.archiveExistingVersions),
    requiredApprovals: Number(raw.requiredApprovals),
    createdAt: date(raw.createdAt)!,
    resolvedAt: date(raw.resolvedAt),
  };
}

export interface RequestState {
  model: ModelState;
  request: RequestWithDecisions;
  version: GovernedVersion;
  rows: { request: RequestRow; version: VersionRow };
}

/**
 * A request of a live version with everything deciding it needs, in one statement: its
 * decisions, its version with metrics, and its model's state for the target stage. Null when
 * there is no such request.
 */
export async function readRequestState(tx: Tx, provider: Provider, requestId: number): Promise<RequestState | null> {
  const d = DIALECTS[provider];
  const decisions = d.array(
    d.object([
      ['approver', 'dd."approver"'],
      ['decision', 'dd."decision"'],
    ]),
  );
  const [raw] = await tx.$queryRaw<Record<string, unknown>[]>`
    SELECT ${Prisma.raw(prefixed('r', REQUEST_COLUMNS))}, ${Prisma.raw(prefixed('v', VERSION_COLUMNS))},
      m."id" AS "m_id", m."name" AS "m_name",
      (SELECT ${Prisma.raw(decisions)} FROM "ApprovalDecision" dd WHERE dd."requestId" = r."id") AS "decisions",
      ${childrenSql(d, Prisma.sql`r."toStage"`)}
    FROM "TransitionRequest" r
      JOIN "ModelVersion" v ON v."id" = r."versionId"
      JOIN "RegisteredModel" m ON m."id" = v."modelId"
    WHERE r."id" = ${requestId} AND v."deletedAt" IS NULL`;
  if (!raw) return null;
  const request = toRequestRow(unprefixed(raw, 'r'));
  const version = toVersionRow(unprefixed(raw, 'v'));
  return {
    model: modelState(raw, request.toStage),
    request: { ...request, decisions: json<DecisionState[]>(raw.decisions) },
    version: governedVersion(version, raw),
    rows: { request, version },
  };
}

export interface TargetState {
  model: ModelState;
  /** Null when the model has no live version of that number. */
  version: GovernedVersion | null;
  versionRow: VersionRow | null;
}

/** The model by name, its live version by number and the model's state for a target stage, in one statement. */
export async function readTargetState(
  tx: Tx,
  provider: Provider,
  target: { name: string; version: number; toStage: Stage },
): Promise<TargetState | null> {
  const d = DIALECTS[provider];
  const [raw] = await tx.$queryRaw<Record<string, unknown>[]>`
    SELECT m."id" AS "m_id", m."name" AS "m_name", ${Prisma.raw(prefixed('v', VERSION_COLUMNS))},
      ${childrenSql(d, d.stage(target.toStage))}
    FROM "RegisteredModel" m
      LEFT JOIN "ModelVersion" v ON v."modelId" = m."id" AND v."version" = ${target.version} AND v."deletedAt" IS NULL
    WHERE m."name" = ${target.name}`;
  if (!raw) return null;
  const versionRow = raw.v_id == null ? null : toVersionRow(unprefixed(raw, 'v'));
  return {
    model: modelState(raw, target.toStage),
    version: versionRow && governedVersion(versionRow, raw),
    versionRow,
  };
}

// ---- writes: exactly what the domain's outcome says ----

export function insertRequest(tx: Tx, request: NewRequest): Promise<RequestRow> {
  return tx.transitionRequest.create({ data: request });
}

/**
 * Records a decision and, when it ends the request, the request's new status. On PostgreSQL both
 * in one statement (a data-modifying CTE); SQLite runs them one after the other. Returns the
 * request when it changed. Timestamps are written from the application's clock in UTC, as Prisma
 * writes them, never the column default (CURRENT_TIMESTAMP follows the session's time zone).
 */
export async function writeDecision(
  tx: Tx,
  provider: Provider,
  decision: DecisionToWrite,
  resolve: Outcome['resolve'],
): Promise<RequestRow | null> {
  if (resolve && provider === 'postgres') {
    const [row] = await tx.$queryRaw<Record<string, unknown>[]>`
      WITH decided AS (
        INSERT INTO "ApprovalDecision" ("requestId", "approver", "decision", "comment", "createdAt")
        VALUES (${decision.requestId}, ${decision.approver}, CAST(${decision.decision} AS "Decision"), ${decision.comment}, ${resolve.at})
      )
      UPDATE "TransitionRequest" SET "status" = CAST(${resolve.status} AS "RequestStatus"), "resolvedAt" = ${resolve.at}
      WHERE "id" = ${resolve.requestId} RETURNING *`;
    return toRequestRow(row);
  }
  await tx.approvalDecision.create({ data: decision, select: { id: true } });
  return resolve && resolveRequest(tx, resolve);
}

/** Ends a request (the domain checked it is PENDING, under the lock). */
export function resolveRequest(tx: Tx, resolve: NonNullable<Outcome['resolve']>): Promise<RequestRow> {
  return tx.transitionRequest.update({ where: { id: resolve.requestId }, data: { status: resolve.status, resolvedAt: resolve.at } });
}

/**
 * Writes a stage change: the target version's new stage (returned), the archived ones', one
 * StageTransition row per move, the superseded requests, and the model's updatedAt (a stage
 * change updates its model, as in MLflow).
 */
export async function writeStageChange(tx: Tx, change: StageChange): Promise<VersionRow> {
  const [target, ...archived] = change.moves;
  const version = await tx.modelVersion.update({ where: { id: target.versionId }, data: { stage: target.toStage } });
  if (archived.length) {
    await tx.modelVersion.updateMany({ where: { id: { in: archived.map((m) => m.versionId) } }, data: { stage: 'ARCHIVED' } });
  }
  await tx.stageTransition.createMany({
    data: change.moves.map((m) => ({ ...m, actor: change.actor, at: change.at })),
  });
  await cancelRequests(tx, change.superseded, change.at);
  await tx.registeredModel.update({ where: { id: change.modelId }, data: { updatedAt: change.at }, select: { id: true } });
  return version;
}
