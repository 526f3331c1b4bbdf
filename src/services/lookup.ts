import type { Database, Tx } from '../db/client';
import { findModelByName, findModelsByIds, type ModelRow } from '../db/repositories/model.repository';
import { lockModelRow } from '../db/repositories/model.repository';
import { findVersionOfModel, type VersionRow } from '../db/repositories/version.repository';
import { notFound } from '../domain/errors';
import { isLookupable } from '../domain/registry-search';

/**
 * The model a mutation acts on, locked as governance locks it (lockModelRow): every write to a
 * model takes its row lock first, so writers of one model queue in one order and never deadlock
 * (on PostgreSQL a rename's key update and other writers' foreign-key checks did). NOT_FOUND
 * when there is none.
 */
export async function requireModel(tx: Tx, name: string): Promise<ModelRow> {
  const found = isLookupable(name) ? await findModelByName(tx, name) : null;
  if (found) await lockModelRow(tx, found.id);
  // Re-read under the lock: a delete or rename that committed meanwhile is seen now.
  const model = found && (await findModelsByIds(tx, [found.id]))[0];
  if (!model || model.name !== name) throw notFound(`No registered model named "${name}"`);
  return model;
}

/** The live version a mutation acts on, with its locked model; NOT_FOUND when either is missing. */
export async function requireVersion(tx: Tx, name: string, version: number): Promise<{ model: ModelRow; version: VersionRow }> {
  const model = await requireModel(tx, name);
  const row = await findVersionOfModel(tx, model.id, version);
  if (!row) throw notFound(`No version ${version} of registered model "${name}"`);
  return { model, version: row };
}

/** Prisma's "record to update not found" and foreign-key errors: the row went away meanwhile. */
function isVanished(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === 'P2025' || code === 'P2003';
}

/**
 * A registry write in one transaction. A model or version deleted by a concurrent transaction
 * between our read and our write makes the write find nothing: NOT_FOUND, as if it came after.
 */
export async function inTransaction<T>(db: Database, fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await db.prisma.$transaction(fn);
  } catch (error) {
    if (isVanished(error)) throw notFound('The registered model or version was deleted meanwhile');
    throw error;
  }
}
