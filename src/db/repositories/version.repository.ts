import { PREPARED, providerOfClient, type Tx } from '../client';
import type { Provider } from '../target';
import { dialect, jsonList, versionColumns, versionFromJson, VERSION_COLUMN_COUNT } from '../sql';
import { keyValueRows, type MetricRow, type VersionTagRow } from './model-children.repository';

export type VersionRow = Awaited<ReturnType<Tx['modelVersion']['findUniqueOrThrow']>>;

/** Versions that are not deleted: every read goes through this filter. */
export const live = { deletedAt: null } as const;

export function findVersion(db: Tx, modelName: string, version: number): Promise<VersionRow | null> {
  return db.modelVersion.findFirst({ where: { ...live, version, model: { name: modelName } } });
}

export function findVersionOfModel(db: Tx, modelId: number, version: number): Promise<VersionRow | null> {
  return db.modelVersion.findFirst({ where: { ...live, modelId, version } });
}

export function findVersionsByIds(db: Tx, ids: readonly number[]): Promise<VersionRow[]> {
  return db.modelVersion.findMany({ where: { ...live, id: { in: [...ids] } } });
}

/** Live versions by (model id, number) pairs, in one statement. */
export function findVersionsByNumbers(db: Tx, keys: readonly { modelId: number; version: number }[]): Promise<VersionRow[]> {
  if (keys.length === 0) return Promise.resolve([]);
  return db.modelVersion.findMany({ where: { ...live, OR: keys.map((k) => ({ modelId: k.modelId, version: k.version })) } });
}

/**
 * Takes the next version number of a model: an atomic increment, so concurrent creates differ.
 * The same statement counts the new version in `liveVersions`: call it only in the transaction
 * that inserts the version.
 */
export async function nextVersionNumber(tx: Tx, modelId: number): Promise<number> {
  const model = await tx.registeredModel.update({
    where: { id: modelId },
    data: { lastVersion: { increment: 1 }, liveVersions: { increment: 1 } },
    select: { lastVersion: true },
  });
  return model.lastVersion;
}

export function insertVersion(
  tx: Tx,
  data: {
    modelId: number;
    version: number;
    source: string;
    createdBy: string;
    runId: string | null;
    runLink: string | null;
    description: string | null;
  },
): Promise<VersionRow> {
  return tx.modelVersion.create({ data });
}

export function updateVersionDescription(tx: Tx, id: number, description: string | null): Promise<VersionRow> {
  return tx.modelVersion.update({ where: { id }, data: { description } });
}

/**
 * Hides a live version unless it is in PRODUCTION, in one statement; returns whether it did.
 * A hidden version leaves its model's `liveVersions` count in the same transaction.
 */
export async function softDeleteUnlessInProduction(tx: Tx, id: number): Promise<boolean> {
  const { count } = await tx.modelVersion.updateMany({
    where: { id, ...live, stage: { not: 'PRODUCTION' } },
    data: { deletedAt: new Date() },
  });
  if (count === 1) {
    await tx.$executeRaw`UPDATE "RegisteredModel" SET "liveVersions" = "liveVersions" - 1
      WHERE "id" = (SELECT "modelId" FROM "ModelVersion" WHERE "id" = ${id})`;
  }
  return count === 1;
}

export function countPendingRequests(tx: Tx, versionId: number): Promise<number> {
  return tx.transitionRequest.count({ where: { versionId, status: 'PENDING' } });
}

export interface VersionWithChildren {
  version: VersionRow;
  /** Present when asked for: the version's metrics and tags, in key order. */
  metrics?: MetricRow[];
  tags?: VersionTagRow[];
}

/**
 * A live version by model name and number or alias, with its metrics and tags when asked, in ONE
 * statement (the model's unique name, the alias's or version's primary key, the children's).
 */
export async function findVersionWithChildren(
  db: Tx,
  modelName: string,
  ref: { version: number } | { alias: string },
  include: { metrics: boolean; tags: boolean },
): Promise<VersionWithChildren | null> {
  const byAlias = 'alias' in ref;
  const provider = providerOfClient(db);
  const key = `${provider}:${byAlias}:${include.metrics}:${include.tags}`;
  const sql = lookupTexts.get(key) ?? lookupTexts.set(key, lookupText(provider, byAlias, include)).get(key)!;
  const [row] = await db.$queryRawUnsafe<{ j: unknown }[]>(sql, modelName, byAlias ? ref.alias : ref.version);
  if (!row) return null;
  const a = jsonList(row.j);
  const version = versionFromJson(a);
  const found: VersionWithChildren = { version };
  if (include.metrics) found.metrics = keyValueRows(version.id, a[VERSION_COLUMN_COUNT]) as MetricRow[];
  if (include.tags) found.tags = keyValueRows(version.id, a[VERSION_COLUMN_COUNT + (include.metrics ? 1 : 0)]) as VersionTagRow[];
  return found;
}

/** The lookup's texts, one per dialect, reference and children asked: built once each. */
const lookupTexts = new Map<string, string>();

function lookupText(provider: Provider, byAlias: boolean, include: { metrics: boolean; tags: boolean }): string {
  const d = dialect(provider);
  const children = (table: string) =>
    d.nested(
      `SELECT ${d.agg(d.array('x."key"', table === 'VersionMetric' ? d.float('x."value"') : 'x."value"'), 'x."key"')} FROM "${table}" x WHERE x."versionId" = v."id"`,
    );
  const items = [
    ...versionColumns('v'),
    ...(include.metrics ? [children('VersionMetric')] : []),
    ...(include.tags ? [children('VersionTag')] : []),
  ];
  // Parameters in the order they appear: SQLite binds `?` by position.
  const [join, match] = byAlias
    ? ['JOIN "ModelAlias" a ON a."modelId" = m."id" JOIN "ModelVersion" v ON v."id" = a."versionId"', 'a."alias"']
    : ['JOIN "ModelVersion" v ON v."modelId" = m."id"', 'v."version"'];
  return `${PREPARED}SELECT ${d.array(...items)} AS "j" FROM "RegisteredModel" m ${join} WHERE m."name" = ${d.param(1)} AND ${match} = ${d.param(2)} AND v."deletedAt" IS NULL`;
}
