import type { Tx } from '../client';

/** Tags of models and of versions: upserted by key, deleted by key, read in key order. */
export function findVersionTags(db: Tx, versionIds: readonly number[]) {
  return db.versionTag.findMany({ where: { versionId: { in: [...versionIds] } }, orderBy: [{ versionId: 'asc' }, { key: 'asc' }] });
}

export async function insertModelTags(tx: Tx, modelId: number, tags: readonly { key: string; value: string }[]): Promise<void> {
  if (tags.length) await tx.modelTag.createMany({ data: tags.map((t) => ({ modelId, key: t.key, value: t.value })) });
}

export async function insertVersionTags(tx: Tx, versionId: number, tags: readonly { key: string; value: string }[]): Promise<void> {
  if (tags.length) await tx.versionTag.createMany({ data: tags.map((t) => ({ versionId, key: t.key, value: t.value })) });
}

export async function upsertModelTag(tx: Tx, modelId: number, key: string, value: string): Promise<void> {
  await tx.modelTag.upsert({ where: { modelId_key: { modelId, key } }, create: { modelId, key, value }, update: { value } });
}

export async function upsertVersionTag(tx: Tx, versionId: number, key: string, value: string): Promise<void> {
  await tx.versionTag.upsert({ where: { versionId_key: { versionId, key } }, create: { versionId, key, value }, update: { value } });
}

/** Returns whether a tag was there to delete. */
export async function deleteModelTag(tx: Tx, modelId: number, key: string): Promise<boolean> {
  return (await tx.modelTag.deleteMany({ where: { modelId, key } })).count > 0;
}

export async function deleteVersionTag(tx: Tx, versionId: number, key: string): Promise<boolean> {
  return (await tx.versionTag.deleteMany({ where: { versionId, key } })).count > 0;
}
