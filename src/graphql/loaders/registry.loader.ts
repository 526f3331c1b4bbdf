import type { Tx } from '../../db/client';
import { findModelsByIds, findModelTags } from '../../db/repositories/model.repository';
import { findVersionsByIds } from '../../db/repositories/version.repository';
import { groupLoader, rowLoader, type LoaderOptions } from './loader';

export function registryLoaders(db: Tx, options: LoaderOptions) {
  return {
    modelById: rowLoader(options, (ids: readonly number[]) => findModelsByIds(db, ids), (m) => m.id),
    versionById: rowLoader(options, (ids: readonly number[]) => findVersionsByIds(db, ids), (v) => v.id),
    modelTags: groupLoader(options, (ids: readonly number[]) => findModelTags(db, ids), (t) => t.modelId),
  };
}
