import type { Tx } from '../client';

/*
 * LIKE patterns: Prisma's contains/startsWith put the needle into LIKE unescaped, so `%`, `_`
 * (and on PostgreSQL `\`) act as wildcards; SQLite's LIKE has no default escape character at
 * all and ignores ASCII case. So the searchable column `nameLower` stores the lower-cased name
 * with `%`, `_` and `\` replaced by control characters, which a name can never contain:
 * a needle encoded the same way holds no wildcard on either database, and the match stays exact.
 */
const WILDCARDS: Record<string, string> = { '%': '\u0001', _: '\u0002', '\\': '\u0003' };
const encodeWildcards = (s: string) => s.replace(/[%_\\]/g, (c) => WILDCARDS[c]);
/** The value of `RegisteredModel.nameLower` for a name. */
export function nameSearchKey(name: string): string {
  return encodeWildcards(name.toLowerCase());
}

export type ModelRow = Awaited<ReturnType<Tx['registeredModel']['findUniqueOrThrow']>>;

/**
 * Serializes every write of one model (registry and governance): a no-op UPDATE of the model's row.
 * PostgreSQL holds the row lock until commit, so a second transaction on the same model waits
 * here and, under READ COMMITTED, every statement it runs afterwards sees what the first one
 * committed (each statement takes a fresh snapshot). On SQLite the connection runs one
 * transaction at a time (db/sqlite-adapter.ts). Raw SQL, not `update`, so that `updatedAt` does not move for a vote.
 * The same statement on both databases; lock order everywhere: model row, then request rows.
 */
export async function lockModelRow(tx: Tx, modelId: number): Promise<void> {
  await tx.$executeRaw`UPDATE "RegisteredModel" SET "lastVersion" = "lastVersion" WHERE "id" = ${modelId}`;
}

export function findModelByName(db: Tx, name: string): Promise<ModelRow | null> {
  return db.registeredModel.findUnique({ where: { name } });
}

export function findModelsByIds(db: Tx, ids: readonly number[]): Promise<ModelRow[]> {
  return db.registeredModel.findMany({ where: { id: { in: [...ids] } } });
}

export function insertModel(tx: Tx, data: { name: string; description: string | null; createdBy: string }): Promise<ModelRow> {
  return tx.registeredModel.create({ data: { ...data, nameLower: nameSearchKey(data.name) } });
}

export function updateModelDescription(tx: Tx, id: number, description: string | null): Promise<ModelRow> {
  return tx.registeredModel.update({ where: { id }, data: { description } });
}

export function renameModel(tx: Tx, id: number, name: string): Promise<ModelRow> {
  return tx.registeredModel.update({ where: { id }, data: { name, nameLower: nameSearchKey(name) } });
}

/** Marks the model as changed (a version was added or removed), as MLflow does. */
export function touchModel(tx: Tx, id: number): Promise<ModelRow> {
  return tx.registeredModel.update({ where: { id }, data: { updatedAt: new Date() } });
}

/**
 * Deletes the model (versions, tags, aliases, requests and policies cascade) unless one of its
 * versions is in PRODUCTION; the check and the delete are one statement, so a concurrent
 * promotion cannot slip between them. Returns whether it was deleted.
 */
export async function deleteModelUnlessInProduction(tx: Tx, id: number): Promise<boolean> {
  const { count } = await tx.registeredModel.deleteMany({ where: { id, versions: { none: { stage: 'PRODUCTION', deletedAt: null } } } });
  return count === 1;
}
