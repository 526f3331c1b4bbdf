import type { Tx } from '../client';

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

/** The highest live version number per model and stage. */
export async function latestNumbersPerStage(db: Tx, modelIds: readonly number[]) {
  const groups = await db.modelVersion.groupBy({
    by: ['modelId', 'stage'],
    where: { ...live, modelId: { in: [...modelIds] } },
    _max: { version: true },
  });
  return groups.flatMap((g) => (g._max.version == null ? [] : [{ modelId: g.modelId, stage: g.stage, version: g._max.version }]));
}

/** Takes the next version number of a model: an atomic increment, so concurrent creates differ. */
export async function nextVersionNumber(tx: Tx, modelId: number): Promise<number> {
  const model = await tx.registeredModel.update({
    where: { id: modelId },
    data: { lastVersion: { increment: 1 } },
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

/** Hides a live version unless it is in PRODUCTION, in one statement; returns whether it did. */
export async function softDeleteUnlessInProduction(tx: Tx, id: number): Promise<boolean> {
  const { count } = await tx.modelVersion.updateMany({
    where: { id, ...live, stage: { not: 'PRODUCTION' } },
    data: { deletedAt: new Date() },
  });
  return count === 1;
}

export function countPendingRequests(tx: Tx, versionId: number): Promise<number> {
  return tx.transitionRequest.count({ where: { versionId, status: 'PENDING' } });
}
