import { providerOfClient, type Tx } from '../client';
import { Prisma } from '../generated/sqlite/client';
import { rawDate, rawText } from '../sql';
import type { DeploymentStatus } from '../../domain/deployments';
import { live } from './version.repository';

export type DeploymentRow = Awaited<ReturnType<Tx['deployment']['findUniqueOrThrow']>>;

/** The unique slot of a model in an environment: `activeKey` and `currentKey` hold it (see models.prisma). */
export function slotKey(modelId: number, environmentId: number): string {
  return `${modelId}:${environmentId}`;
}

/** Deployments of deleted versions are hidden from every read, as their versions are. */
const visible = { version: live } as const;

export function findDeployment(db: Tx, id: number): Promise<DeploymentRow | null> {
  return db.deployment.findFirst({ where: { id, ...visible } });
}

export function findDeploymentsByIds(db: Tx, ids: readonly number[]): Promise<DeploymentRow[]> {
  return db.deployment.findMany({ where: { id: { in: [...ids] }, ...visible } });
}

/** Any deployment by id, also of a deleted version (rollback decides what that means). */
export function findDeploymentAnyVersion(db: Tx, id: number): Promise<DeploymentRow | null> {
  return db.deployment.findUnique({ where: { id } });
}

/** The PENDING or IN_PROGRESS deployment of a model in an environment, if any. */
export function findActive(db: Tx, modelId: number, environmentId: number): Promise<DeploymentRow | null> {
  return db.deployment.findUnique({ where: { activeKey: slotKey(modelId, environmentId) } });
}

/** The current deployment of a model in an environment, if any. */
export function findCurrent(db: Tx, modelId: number, environmentId: number): Promise<DeploymentRow | null> {
  return db.deployment.findUnique({ where: { currentKey: slotKey(modelId, environmentId) } });
}

export function insertDeployment(
  tx: Tx,
  data: {
    environmentId: number;
    modelId: number;
    versionId: number;
    config: string;
    startedBy: string;
    rollbackOfId?: number | null;
  },
): Promise<DeploymentRow> {
  return tx.deployment.create({ data: { ...data, status: 'PENDING', activeKey: slotKey(data.modelId, data.environmentId) } });
}

/**
 * Ends or advances a deployment (the caller holds the model lock and decided the move). A
 * finished deployment frees its model's active slot; SUCCEEDED takes the current slot from the
 * one that held it, in this transaction, so readers see one current deployment before and after.
 */
export async function moveDeployment(
  tx: Tx,
  row: DeploymentRow,
  change: { status: DeploymentStatus; message?: string | null; endpointUrl?: string | null; at: Date },
): Promise<{ deployment: DeploymentRow; replaced: DeploymentRow | null }> {
  const finished = change.status !== 'IN_PROGRESS';
  let replaced: DeploymentRow | null = null;
  if (change.status === 'SUCCEEDED') {
    replaced = await findCurrent(tx, row.modelId, row.environmentId);
    if (replaced) await tx.deployment.update({ where: { id: replaced.id }, data: { currentKey: null } });
  }
  const deployment = await tx.deployment.update({
    where: { id: row.id },
    data: {
      status: change.status,
      ...(change.message != null ? { message: change.message } : {}),
      ...(change.endpointUrl != null ? { endpointUrl: change.endpointUrl } : {}),
      ...(finished ? { finishedAt: change.at, activeKey: null } : {}),
      ...(change.status === 'SUCCEEDED' ? { currentKey: slotKey(row.modelId, row.environmentId), previousId: replaced?.id ?? null } : {}),
    },
  });
  return { deployment, replaced };
}

/** Current deployments of these versions, with their environment (for the out-of-policy audit). */
/** Whether a live version of the model (or this version) is current in a PRODUCTION-gated environment. */
export async function isCurrentInProduction(db: Tx, scope: { modelId: number } | { versionId: number }): Promise<boolean> {
  const found = await db.deployment.findFirst({
    where: { ...scope, ...visible, currentKey: { not: null }, environment: { requiredStage: 'PRODUCTION' } },
    select: { id: true },
  });
  return found !== null;
}

/** Cancels the active deployments of a version (it is being deleted); returns them as they were. */
export async function cancelActiveOfVersion(tx: Tx, versionId: number, at: Date) {
  const rows = await tx.deployment.findMany({
    where: { versionId, activeKey: { not: null } },
    include: { environment: { select: { name: true } } },
    orderBy: { id: 'asc' },
  });
  if (rows.length) {
    await tx.deployment.updateMany({
      where: { id: { in: rows.map((r) => r.id) } },
      data: { status: 'CANCELLED', activeKey: null, finishedAt: at },
    });
  }
  return rows;
}

export function countActiveInEnvironment(db: Tx, environmentId: number): Promise<number> {
  return db.deployment.count({ where: { environmentId, activeKey: { not: null } } });
}

// ---- reads for GraphQL (loaders and connections) ----

export interface DeploymentFilter {
  environment?: string | null;
  modelName?: string | null;
  status?: readonly DeploymentStatus[] | null;
  startedBy?: string | null;
}

export type DeploymentParent = 'model' | 'version' | 'environment';
const PARENT_FIELD = { model: 'modelId', version: 'versionId', environment: 'environmentId' } as const;

/** Visible deployments matching the filter (and, for a connection of parents, belonging to them). */
export function deploymentWhere(filter: DeploymentFilter, parents?: { kind: DeploymentParent; ids: readonly number[] }) {
  return {
    ...visible,
    ...(filter.environment != null ? { environment: { name: filter.environment } } : {}),
    ...(filter.modelName != null ? { model: { name: filter.modelName } } : {}),
    ...(filter.status?.length ? { status: { in: [...filter.status] } } : {}),
    ...(filter.startedBy != null ? { startedBy: filter.startedBy } : {}),
    ...(parents ? { [PARENT_FIELD[parents.kind]]: { in: [...parents.ids] } } : {}),
  };
}

const DEPLOYMENT_COLUMNS = [
  'id',
  'environmentId',
  'modelId',
  'versionId',
  'status',
  'config',
  'endpointUrl',
  'message',
  'startedBy',
  'createdAt',
  'updatedAt',
  'finishedAt',
  'activeKey',
  'currentKey',
  'previousId',
  'rollbackOfId',
] as const;

/** A raw row as either database returns it (dates as Date or text, integers as number or bigint). */
function toDeploymentRow(raw: Record<string, unknown>): DeploymentRow {
  const int = (v: unknown) => (v == null ? null : Number(v));
  return {
    id: Number(raw.id),
    environmentId: Number(raw.environmentId),
    modelId: Number(raw.modelId),
    versionId: Number(raw.versionId),
    status: String(raw.status) as DeploymentStatus,
    config: String(raw.config),
    endpointUrl: rawText(raw.endpointUrl),
    message: rawText(raw.message),
    startedBy: String(raw.startedBy),
    createdAt: rawDate(raw.createdAt)!,
    updatedAt: rawDate(raw.updatedAt)!,
    finishedAt: rawDate(raw.finishedAt),
    activeKey: rawText(raw.activeKey),
    currentKey: rawText(raw.currentKey),
    previousId: int(raw.previousId),
    rollbackOfId: int(raw.rollbackOfId),
  };
}

const PARENT_TABLE = { model: 'RegisteredModel', version: 'ModelVersion', environment: 'Environment' } as const;

/**
 * The newest `perParent` visible deployments matching the filter of each of several parents, in
 * ONE statement that reads rows bounded by the page, not by the parents' histories: per parent, a
 * `LIMIT` read in (createdAt, id) order (the (environmentId, createdAt) index serves an
 * environment's).
 */
export async function findFirstDeploymentsOfParents(
  db: Tx,
  parents: { kind: DeploymentParent; ids: readonly number[] },
  filter: DeploymentFilter,
  perParent: number,
): Promise<DeploymentRow[]> {
  const joins = [Prisma.sql`JOIN "ModelVersion" v ON v."id" = x."versionId" AND v."deletedAt" IS NULL`];
  const conditions = [Prisma.raw(`x."${PARENT_FIELD[parents.kind]}" = p."id"`)];
  if (filter.environment != null) {
    joins.push(Prisma.sql`JOIN "Environment" e ON e."id" = x."environmentId"`);
    conditions.push(Prisma.sql`e."name" = ${filter.environment}`);
  }
  if (filter.modelName != null) {
    joins.push(Prisma.sql`JOIN "RegisteredModel" m ON m."id" = x."modelId"`);
    conditions.push(Prisma.sql`m."name" = ${filter.modelName}`);
  }
  if (filter.status?.length) conditions.push(Prisma.sql`CAST(x."status" AS TEXT) IN (${Prisma.join([...filter.status])})`);
  if (filter.startedBy != null) conditions.push(Prisma.sql`x."startedBy" = ${filter.startedBy}`);
  const columns = (alias: string) => Prisma.raw(DEPLOYMENT_COLUMNS.map((c) => `${alias}."${c}"`).join(', '));
  const parentTable = Prisma.raw(`"${PARENT_TABLE[parents.kind]}"`);
  const newest = (select: Prisma.Sql) => Prisma.sql`SELECT ${select} FROM "Deployment" x ${Prisma.join(joins, ' ')}
        WHERE ${Prisma.join(conditions, ' AND ')} ORDER BY x."createdAt" DESC, x."id" DESC LIMIT ${perParent}`;
  const ids = Prisma.join([...parents.ids]);
  // PostgreSQL joins each parent to its own page (LATERAL); SQLite, which has no LATERAL, looks
  // the page's ids up per parent, then the rows by primary key.
  const rows = await db.$queryRaw<Record<string, unknown>[]>(
    providerOfClient(db) === 'postgres'
      ? Prisma.sql`SELECT d.* FROM ${parentTable} p CROSS JOIN LATERAL (${newest(columns('x'))}) d WHERE p."id" IN (${ids})`
      : Prisma.sql`SELECT ${columns('d')} FROM ${parentTable} p JOIN "Deployment" d ON d."id" IN (${newest(Prisma.sql`x."id"`)})
          WHERE p."id" IN (${ids})`,
  );
  return rows.map(toDeploymentRow);
}

/** Visible deployments matching the filter per parent, counted in one grouped statement. */
export async function countDeploymentsOfParents(db: Tx, kind: DeploymentParent, where: object): Promise<Map<number, number>> {
  const field = PARENT_FIELD[kind];
  const groups = await db.deployment.groupBy({ by: [field], where, _count: { _all: true } });
  return new Map(groups.map((g) => [Number((g as Record<string, unknown>)[field]), g._count._all]));
}

export function parentIdOf(row: DeploymentRow, kind: DeploymentParent): number {
  return row[PARENT_FIELD[kind]];
}

export function findDeployments(db: Tx, args: { where: object; orderBy?: object[]; take?: number }): Promise<DeploymentRow[]> {
  return db.deployment.findMany(args);
}

export function countDeployments(db: Tx, where: object): Promise<number> {
  return db.deployment.count({ where });
}

/** Current (visible) deployments of these environments. */
export function findCurrentOfEnvironments(db: Tx, environmentIds: readonly number[]): Promise<DeploymentRow[]> {
  return db.deployment.findMany({ where: { environmentId: { in: [...environmentIds] }, currentKey: { not: null }, ...visible } });
}

/** Current (visible) deployments of these models. */
export function findCurrentOfModels(db: Tx, modelIds: readonly number[]): Promise<DeploymentRow[]> {
  return db.deployment.findMany({ where: { modelId: { in: [...modelIds] }, currentKey: { not: null }, ...visible } });
}

/**
 * Per environment and status: active deployments, and those finished since `since` (all when
 * null). One grouped statement for every environment asked.
 */
export async function countByEnvironmentAndStatus(db: Tx, environmentIds: readonly number[], since: Date | null) {
  const groups = await db.deployment.groupBy({
    by: ['environmentId', 'status'],
    where: {
      environmentId: { in: [...environmentIds] },
      ...visible,
      ...(since ? { OR: [{ activeKey: { not: null } }, { finishedAt: { gte: since } }] } : {}),
    },
    _count: { _all: true },
  });
  return groups.map((g) => ({ environmentId: g.environmentId, status: g.status as DeploymentStatus, count: g._count._all }));
}

/** A model's version by number, deleted or not: starting a deployment of a deleted one is CONFLICT, not NOT_FOUND. */
export function findVersionForDeployment(db: Tx, where: { modelId: number; version: number } | { id: number }) {
  return db.modelVersion.findFirst({
    where,
    select: { id: true, modelId: true, version: true, stage: true, status: true, deletedAt: true },
  });
}
