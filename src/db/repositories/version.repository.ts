import type { Tx } from '../client';

export type VersionRow = Awaited<ReturnType<Tx['modelVersion']['findUniqueOrThrow']>>;

/** Versions that are not deleted: every read goes through this filter. */
export const live = { deletedAt: null } as const;

export function findVersion(db: Tx, modelName: string, version: number): Promise<VersionRow | null> {
  return db.modelVersion.findFirst({ where: { ...live, version, model: { name: modelName } } });
}

export function findVersionsByIds(db: Tx, ids: readonly number[]): Promise<VersionRow[]> {
  return db.modelVersion.findMany({ where: { ...live, id: { in: [...ids] } } });
}

/** Takes the next version number of a model: an atomic increment, so concurrent creates differ. */
export async function nextVersionNumber(tx: Tx, modelId: number): Promise<number> {
  const model = await tx.registeredModel.update({ where: { id: modelId }, data: { lastVersion: { increment: 1 } }, select: { lastVersion: true } });
  return model.lastVersion;
}
