import type { Provider } from '../client';
import { SqlBuilder, type BuiltSql, type SqlRunner } from '../direct';
import { signalDeliveriesQueued, signalEventsWritten } from '../event-signal';
import type { Outcome, GovernedVersion, ModelState, PendingRequest, RequestWithDecisions } from '../../domain/governance';
import type { NewRequest } from '../../domain/governance';
import type { AuditEvent } from '../../domain/audit';
import { policyInForce } from '../../domain/policy';
import type { Stage } from '../../domain/stages';
import type { DecisionState } from '../../domain/transitions';
import { EVENTS_CHANNEL, EVENT_ORDER_LOCK } from './event.repository';
import { toPolicy } from './policy.repository';
import type { RequestRow } from './request.repository';
import { VERSION_FIELDS, rawDate, rawText } from '../sql';
import { toVersionRow } from './search.repository';
import type { VersionRow } from './version.repository';
import { WEBHOOK_MATCHES } from './webhook-outbox.repository';

/*
 * Governance reads what a decision needs in one statement under the model's lock, and writes
 * what the domain decided, in hand-written SQL on the driver (db/direct.ts). The lock: on
 * PostgreSQL a no-op UPDATE of the model's row, held until commit; a second transaction on the
 * same model waits there and, under READ COMMITTED, its next statement sees what the first
 * committed. On SQLite the connection runs one transaction at a time (db/sqlite-adapter.ts),
 * which is the lock already: no statement.
 */

/** Locks the model a request belongs to (PostgreSQL); the read that follows finds it or not. */
export async function lockModelOfRequest(sql: SqlRunner, requestId: number): Promise<void> {
  if (sql.provider !== 'postgres') return;
  const b = new SqlBuilder(sql.provider);
  await sql.run(
    b.build(`UPDATE "RegisteredModel" SET "lastVersion" = "lastVersion"
    WHERE "id" = (SELECT v."modelId" FROM "TransitionRequest" r JOIN "ModelVersion" v ON v."id" = r."versionId" WHERE r."id" = ${b.int(requestId)})`),
  );
}

/**
 * Locks a model by name (PostgreSQL). A rename that commits while this waits is re-checked
 * against the name, so the row locked, if any, is the one that bears the name until commit.
 */
export async function lockModelNamed(sql: SqlRunner, name: string): Promise<void> {
  if (sql.provider !== 'postgres') return;
  const b = new SqlBuilder(sql.provider);
  await sql.run(b.build(`UPDATE "RegisteredModel" SET "lastVersion" = "lastVersion" WHERE "name" = ${b.text(name)}`));
}

// ---- the one-statement reads: JSON aggregates of the children, per dialect ----

interface Dialect {
  object(pairs: [string, string][]): string;
  array(objectSql: string): string;
}
const DIALECTS: Record<Provider, Dialect> = {
  sqlite: {
    object: (pairs) => `json_object(${pairs.map(([k, v]) => `'${k}', ${v}`).join(', ')})`,
    array: (obj) => `json_group_array(${obj})`,
  },
  postgres: {
    object: (pairs) => `json_build_object(${pairs.map(([k, v]) => `'${k}', ${v}`).join(', ')})`,
    array: (obj) => `COALESCE(json_agg(${obj}), '[]'::json)`,
  },
};
const jsonArray = (d: Dialect, alias: string, columns: string[], as: Record<string, string> = {}) =>
  d.array(d.object(columns.map((c) => [c, as[c] ?? `${alias}."${c}"`])));

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
 * metrics, the policies for the target stage, the model's live versions in the target stage,
 * the PENDING requests of its live versions and its current deployments. `m`, `v` and `target`
 * name the outer row's model, version and target stage.
 */
function childrenSql(d: Dialect, target: string): string {
  const policies = jsonArray(d, 'p', ['modelId', 'stage', 'requiredApprovals', 'allowSelfApproval', 'metricGates']);
  const deployed = jsonArray(d, 'dp', ['id', 'versionId', 'environment', 'requiredStage'], {
    environment: 'e."name"',
    requiredStage: 'e."requiredStage"',
  });
  return `
    (SELECT ${deployed} FROM "Deployment" dp JOIN "Environment" e ON e."id" = dp."environmentId"
      WHERE dp."modelId" = m."id" AND dp."currentKey" IS NOT NULL) AS "deployed",
    (SELECT ${jsonArray(d, 'x', ['key', 'value'])} FROM "VersionMetric" x WHERE x."versionId" = v."id") AS "metrics",
    (SELECT ${policies} FROM "GovernancePolicy" p WHERE p."stage" = ${target} AND (p."scope" = '*' OR p."modelId" = m."id")) AS "policies",
    (SELECT ${jsonArray(d, 'o', ['id', 'version', 'stage'])} FROM "ModelVersion" o
      WHERE o."modelId" = m."id" AND o."deletedAt" IS NULL AND o."stage" = ${target}) AS "inTarget",
    (SELECT ${jsonArray(d, 'q', ['id', 'versionId', 'fromStage', 'toStage'])} FROM "TransitionRequest" q JOIN "ModelVersion" qv ON qv."id" = q."versionId"
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

/** A raw request row as either driver returns it. */
function toRequestRow(raw: Record<string, unknown>): RequestRow {
  return {
    id: Number(raw.id),
    versionId: Number(raw.versionId),
    fromStage: String(raw.fromStage) as Stage,
    toStage: String(raw.toStage) as Stage,
    status: String(raw.status) as RequestRow['status'],
    requestedBy: String(raw.requestedBy),
    comment: rawText(raw.comment),
    archiveExistingVersions: bool(raw.archiveExistingVersions),
    requiredApprovals: Number(raw.requiredApprovals),
    createdAt: rawDate(raw.createdAt)!,
    resolvedAt: rawDate(raw.resolvedAt),
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
export async function readRequestState(sql: SqlRunner, requestId: number): Promise<RequestState | null> {
  const d = DIALECTS[sql.provider];
  const b = new SqlBuilder(sql.provider);
  const [raw] = await sql.rows(
    b.build(`
    SELECT ${prefixed('r', REQUEST_COLUMNS)}, ${prefixed('v', VERSION_COLUMNS)},
      m."id" AS "m_id", m."name" AS "m_name",
      (SELECT ${jsonArray(d, 'dd', ['approver', 'decision'])} FROM "ApprovalDecision" dd WHERE dd."requestId" = r."id") AS "decisions",
      ${childrenSql(d, 'r."toStage"')}
    FROM "TransitionRequest" r
      JOIN "ModelVersion" v ON v."id" = r."versionId"
      JOIN "RegisteredModel" m ON m."id" = v."modelId"
    WHERE r."id" = ${b.int(requestId)} AND v."deletedAt" IS NULL`),
  );
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
  sql: SqlRunner,
  target: { name: string; version: number; toStage: Stage },
): Promise<TargetState | null> {
  const d = DIALECTS[sql.provider];
  const b = new SqlBuilder(sql.provider);
  const [raw] = await sql.rows(
    b.build(`
    SELECT m."id" AS "m_id", m."name" AS "m_name", ${prefixed('v', VERSION_COLUMNS)},
      ${childrenSql(d, b.enum(target.toStage, 'Stage'))}
    FROM "RegisteredModel" m
      LEFT JOIN "ModelVersion" v ON v."modelId" = m."id" AND v."version" = ${b.int(target.version)} AND v."deletedAt" IS NULL
    WHERE m."name" = ${b.text(target.name)}`),
  );
  if (!raw) return null;
  const versionRow = raw.v_id == null ? null : toVersionRow(unprefixed(raw, 'v'));
  return {
    model: modelState(raw, target.toStage),
    version: versionRow && governedVersion(versionRow, raw),
    versionRow,
  };
}

// ---- writes: exactly what the domain's outcome says ----

/** Inserts a request; its createdAt is the command's time. */
export async function insertRequest(sql: SqlRunner, request: NewRequest, createdAt: Date): Promise<RequestRow> {
  const b = new SqlBuilder(sql.provider);
  const [{ id }] = await sql.rows<{ id: number }>(
    b.build(`INSERT INTO "TransitionRequest" ("versionId", "fromStage", "toStage", "status", "requestedBy", "comment",
      "archiveExistingVersions", "requiredApprovals", "createdAt", "resolvedAt")
    VALUES (${b.int(request.versionId)}, ${b.enum(request.fromStage, 'Stage')}, ${b.enum(request.toStage, 'Stage')},
      ${b.enum(request.status, 'RequestStatus')}, ${b.text(request.requestedBy)}, ${b.text(request.comment)},
      ${b.bool(request.archiveExistingVersions)}, ${b.int(request.requiredApprovals)}, ${b.date(createdAt)}, ${b.date(request.resolvedAt)})
    RETURNING "id"`),
  );
  return { id: Number(id), ...request, createdAt };
}

/**
 * The writes of an outcome, each one statement: the decision, the request's new status, the
 * stage change (the versions' stages, one StageTransition per move, the superseded requests and
 * the model's updatedAt: a stage change updates its model, as in MLflow). Timestamps are the
 * command's time from the application's clock, in UTC, never a column default.
 */
function outcomeWrites(next: () => SqlBuilder, outcome: Outcome, at: Date): BuiltSql[] {
  const writes: BuiltSql[] = [];
  const { decision, resolve, change } = outcome;
  let b = next();
  const push = (text: string) => {
    writes.push(b.build(text));
    b = next();
  };
  if (decision) {
    push(`INSERT INTO "ApprovalDecision" ("requestId", "approver", "decision", "comment", "createdAt")
      VALUES (${b.int(decision.requestId)}, ${b.text(decision.approver)}, ${b.enum(decision.decision, 'Decision')}, ${b.text(decision.comment)}, ${b.date(at)})`);
  }
  if (resolve) {
    push(`UPDATE "TransitionRequest" SET "status" = ${b.enum(resolve.status, 'RequestStatus')}, "resolvedAt" = ${b.date(resolve.at)}
      WHERE "id" = ${b.int(resolve.requestId)}`);
  }
  if (change) {
    const [target] = change.moves;
    push(`UPDATE "ModelVersion"
      SET "stage" = CASE WHEN "id" = ${b.int(target.versionId)} THEN ${b.enum(target.toStage, 'Stage')} ELSE 'ARCHIVED' END,
        "updatedAt" = ${b.date(change.at)}
      WHERE "id" IN (${b.ints(change.moves.map((m) => m.versionId))})`);
    // One placeholder for the time and the actor of every row of this statement.
    const when = b.date(change.at);
    const actor = b.text(change.actor);
    const moves = change.moves.map(
      (m) =>
        `(${b.int(m.versionId)}, ${b.enum(m.fromStage, 'Stage')}, ${b.enum(m.toStage, 'Stage')}, ${when}, ${actor}, ${b.int(m.requestId)})`,
    );
    push(`INSERT INTO "StageTransition" ("versionId", "fromStage", "toStage", "at", "actor", "requestId") VALUES ${moves.join(', ')}`);
    if (change.superseded.length) {
      push(`UPDATE "TransitionRequest" SET "status" = 'CANCELLED', "resolvedAt" = ${b.date(change.at)}
        WHERE "id" IN (${b.ints(change.superseded)}) AND "status" = 'PENDING'`);
    }
    push(`UPDATE "RegisteredModel" SET "updatedAt" = ${b.date(change.at)} WHERE "id" = ${b.int(change.modelId)}`);
  }
  return writes;
}

/** The audit events as a VALUES list in their order (ord), for INSERT ... SELECT. */
function auditValues(b: SqlBuilder, events: readonly AuditEvent[], at: Date): string {
  const when = b.date(at);
  const rows = events.map(
    (e, i) =>
      `(${b.int(i)}, ${b.text(e.action)}, ${b.text(e.actor)}, ${b.text(e.modelName ?? null)}, ${b.int(e.version ?? null)}, ${when}, ${b.text(JSON.stringify(e.details))})`,
  );
  // VALUES names its columns column1, column2, ... on both databases.
  const names = ['ord', 'action', 'actor', 'modelName', 'version', 'at', 'details'].map((c, i) => `column${i + 1} AS "${c}"`);
  return `(SELECT ${names.join(', ')} FROM (VALUES ${rows.join(', ')}) AS t) AS a`;
}

/** Queues the deliveries of the events of `events` (id, action, modelName, at) to every webhook that receives them. */
const queueDeliveries = (events: string) => `
  INSERT INTO "WebhookDelivery" ("webhookId", "eventId", "createdAt", "nextAttemptAt")
  SELECT w."id", e."id", e."at", e."at" FROM ${events} e CROSS JOIN "Webhook" w
  WHERE w."active" = TRUE AND ${WEBHOOK_MATCHES}
  ORDER BY e."id", w."id"`;

/**
 * Writes an outcome and its audit events (with their webhook deliveries: the outbox), as the
 * transaction's last statements.
 *
 * PostgreSQL: ONE statement of data-modifying CTEs. The event-order lock (event.repository.ts)
 * is taken after every other write of the statement has run (it reads their results), as the
 * last lock of the transaction, and before the audit rows take their ids (their rows need it).
 * SQLite: one statement per write, the readers woken in process, then events and deliveries.
 */
export async function writeOutcome(sql: SqlRunner, outcome: Outcome, audit: readonly AuditEvent[], at: Date): Promise<void> {
  if (sql.provider === 'postgres') {
    // One builder: the statement's parameters are numbered across all its parts.
    const b = new SqlBuilder(sql.provider);
    const writes = outcomeWrites(() => b, outcome, at);
    const ctes = writes.map((w, i) => `w${i} AS (${w.text} RETURNING 1)`);
    if (audit.length) {
      const done = writes.length
        ? `(SELECT count(*) FROM (${writes.map((_, i) => `SELECT 1 FROM w${i}`).join(' UNION ALL ')}) x)`
        : '(SELECT 0)';
      ctes.push(
        `seq AS (SELECT pg_advisory_xact_lock(${EVENT_ORDER_LOCK}), pg_notify('${EVENTS_CHANNEL}', '') FROM ${done} AS written("n"))`,
        `ev AS (INSERT INTO "AuditEvent" ("action", "actor", "modelName", "version", "at", "details")
          SELECT a."action", a."actor", a."modelName", a."version", a."at", a."details" FROM ${auditValues(b, audit, at)} CROSS JOIN seq
          ORDER BY a."ord" RETURNING "id", "action", "modelName", "at")`,
      );
    }
    if (ctes.length)
      signalDeliveriesQueued(await sql.run(b.build(`WITH ${ctes.join(',\n')}\n${audit.length ? queueDeliveries('ev') : 'SELECT 1'}`)));
    return;
  }
  for (const write of outcomeWrites(() => new SqlBuilder(sql.provider), outcome, at)) await sql.run(write);
  if (!audit.length) return;
  signalEventsWritten();
  const events = new SqlBuilder(sql.provider);
  const ids = await sql.rows<{ id: number }>(
    events.build(`INSERT INTO "AuditEvent" ("action", "actor", "modelName", "version", "at", "details")
      SELECT a."action", a."actor", a."modelName", a."version", a."at", a."details" FROM ${auditValues(events, audit, at)}
      ORDER BY a."ord" RETURNING "id"`),
  );
  const queue = new SqlBuilder(sql.provider);
  signalDeliveriesQueued(
    await sql.run(queue.build(queueDeliveries(`(SELECT * FROM "AuditEvent" WHERE "id" IN (${queue.ints(ids.map((r) => r.id))}))`))),
  );
}
