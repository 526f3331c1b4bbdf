import type { Tx } from '../db/client';
import { findModelByName, type ModelRow } from '../db/repositories/model.repository';
import { lockModelRow } from '../db/repositories/request.repository';
import { findVersionOfModel, type VersionRow } from '../db/repositories/version.repository';
import { notFound } from '../domain/errors';
import { isLookupable } from '../domain/registry-search';

/** The model a mutation acts on; NOT_FOUND when there is none. */
export async function requireModel(tx: Tx, name: string): Promise<ModelRow> {
  const model = isLookupable(name) ? await findModelByName(tx, name) : null;
  if (!model) throw notFound(`No registered model named "${name}"`);
  return model;
}

/**
 * The model, locked as governance locks it (lockModelRow), for changes that must not interleave
 * with stage changes and requests: deletes, and metrics (frozen while a request is pending).
 */
export async function requireLockedModel(tx: Tx, name: string): Promise<ModelRow> {
  const model = await requireModel(tx, name);
  await lockModelRow(tx, model.id);
  return model;
}

/** The live version a mutation acts on, with its model; NOT_FOUND when either is missing. */
export async function requireVersion(tx: Tx, name: string, version: number, options: { lock?: boolean } = {}): Promise<{ model: ModelRow; version: VersionRow }> {
  const model = options.lock ? await requireLockedModel(tx, name) : await requireModel(tx, name);
  const row = await findVersionOfModel(tx, model.id, version);
  if (!row) throw notFound(`No version ${version} of registered model "${name}"`);
  return { model, version: row };
}
