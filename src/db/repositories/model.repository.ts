import type { Tx } from '../client';

export type ModelRow = Awaited<ReturnType<Tx['registeredModel']['findUniqueOrThrow']>>;

export function findModelByName(db: Tx, name: string): Promise<ModelRow | null> {
  return db.registeredModel.findUnique({ where: { name } });
}

export function findModelsByIds(db: Tx, ids: readonly number[]): Promise<ModelRow[]> {
  return db.registeredModel.findMany({ where: { id: { in: [...ids] } } });
}

export function findModelTags(db: Tx, modelIds: readonly number[]) {
  return db.modelTag.findMany({ where: { modelId: { in: [...modelIds] } }, orderBy: [{ modelId: 'asc' }, { key: 'asc' }] });
}
