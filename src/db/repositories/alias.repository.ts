import type { Tx } from '../client';
import { live } from './version.repository';

export function findVersionAliases(db: Tx, versionIds: readonly number[]) {
  return db.modelAlias.findMany({
    where: { versionId: { in: [...versionIds] }, version: live },
    orderBy: [{ versionId: 'asc' }, { alias: 'asc' }],
  });
}

/** Aliases by (model id, alias) pairs, in one statement; a name with NUL (PostgreSQL cannot compare it) matches none. */
export function findAliasesByName(db: Tx, keys: readonly { modelId: number; alias: string }[]) {
  const wanted = keys.filter((k) => !k.alias.includes('\u0000'));
  if (wanted.length === 0) return Promise.resolve([]);
  return db.modelAlias.findMany({ where: { version: live, OR: wanted.map((k) => ({ modelId: k.modelId, alias: k.alias })) } });
}

/** An alias with the number of the version it points at, or null. */
export function findAlias(db: Tx, modelId: number, alias: string) {
  return db.modelAlias.findUnique({ where: { modelId_alias: { modelId, alias } }, include: { version: { select: { version: true } } } });
}

export async function upsertAlias(tx: Tx, modelId: number, alias: string, versionId: number): Promise<void> {
  await tx.modelAlias.upsert({
    where: { modelId_alias: { modelId, alias } },
    create: { modelId, alias, versionId },
    update: { versionId },
  });
}

export async function deleteAlias(tx: Tx, modelId: number, alias: string): Promise<boolean> {
  return (await tx.modelAlias.deleteMany({ where: { modelId, alias } })).count > 0;
}

/** Removes every alias of a version; returns their names. */
export async function deleteVersionAliases(tx: Tx, versionId: number): Promise<string[]> {
  const rows = await tx.modelAlias.findMany({ where: { versionId }, select: { alias: true }, orderBy: { alias: 'asc' } });
  if (rows.length) await tx.modelAlias.deleteMany({ where: { versionId } });
  return rows.map((r) => r.alias);
}
