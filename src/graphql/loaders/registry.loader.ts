import DataLoader from 'dataloader';
import type { Tx } from '../../db/client';
import { findAliasesByName, findModelAliases, findVersionAliases } from '../../db/repositories/alias.repository';
import { findVersionMetrics } from '../../db/repositories/metric.repository';
import { findModelsByIds } from '../../db/repositories/model.repository';
import { countVersionsOfModels, pageVersionsOfModels, versionWhere } from '../../db/repositories/search.repository';
import { findModelTags, findVersionTags } from '../../db/repositories/tag.repository';
import { findVersionsByIds, findVersionsByNumbers, latestNumbersPerStage, type VersionRow } from '../../db/repositories/version.repository';
import { pageSize, type Page } from '../../domain/paging';
import { byStageOrder } from '../../domain/stages';
import {
  DEFAULT_VERSION_ORDER,
  VERSION_ORDER_FIELDS,
  isUnfiltered,
  sortKeys,
  versionSearch,
  type ListArgs,
  type VersionFilterInput,
  type VersionOrderField,
} from '../../domain/registry-search';
import { groupLoader, indexesByShape, rowLoader, type LoaderOptions } from './loader';

/** The arguments of `RegisteredModel.versions` for one model. */
export interface ModelVersionsKey extends ListArgs<VersionFilterInput, VersionOrderField> {
  modelId: number;
}

const numberKey = (modelId: number, version: number) => `${modelId}:${version}`;
const aliasKey = (modelId: number, alias: string) => `${modelId}:${alias}`;

function errorOf(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Every relation of models and versions, batched per request: a dashboard listing 100 models
 * runs as many statements as one listing 5.
 */
export function registryLoaders(db: Tx, options: LoaderOptions) {
  const dataLoaderOptions = { batch: options.batch, cache: options.batch };
  const modelById = rowLoader(
    options,
    (ids: readonly number[]) => findModelsByIds(db, ids),
    (m) => m.id,
  );
  const versionById = rowLoader(
    options,
    (ids: readonly number[]) => findVersionsByIds(db, ids),
    (v) => v.id,
  );
  const versionByNumber = rowLoader(
    options,
    (keys: readonly string[]) =>
      findVersionsByNumbers(
        db,
        keys.map((k) => {
          const [modelId, version] = k.split(':').map(Number);
          return { modelId, version };
        }),
      ),
    (v) => numberKey(v.modelId, v.version),
  );

  /** The newest live version in each stage of a model, in stage order: one groupBy, one fetch. */
  const latestVersions = new DataLoader<number, VersionRow[]>(async (modelIds) => {
    const latest = await latestNumbersPerStage(db, modelIds);
    const rows = await versionByNumber.loadMany(latest.map((l) => numberKey(l.modelId, l.version)));
    const byModel = new Map<number, VersionRow[]>(modelIds.map((id) => [id, []]));
    for (const row of rows) if (row && !(row instanceof Error)) byModel.get(row.modelId)?.push(row);
    return modelIds.map((id) => byStageOrder(byModel.get(id) ?? []));
  }, dataLoaderOptions);

  /** A page of `RegisteredModel.versions` per model; models asking the same page share one query. */
  const modelVersionsPage = new DataLoader<ModelVersionsKey, Page<VersionRow> | Error, string>(
    async (keys) => {
      const results: (Page<VersionRow> | Error)[] = new Array(keys.length);
      const groups = indexesByShape(keys, (k) => JSON.stringify([k.filter ?? null, k.orderBy ?? null, k.first ?? null]));
      await Promise.all(
        [...groups.values()].map(async (indexes) => {
          const sample = keys[indexes[0]];
          try {
            const first = pageSize(sample.first);
            const order = sortKeys(sample.orderBy, VERSION_ORDER_FIELDS, DEFAULT_VERSION_ORDER);
            const search = versionSearch(sample.filter);
            const parents = indexes.map((i) => ({ modelId: keys[i].modelId, after: keys[i].after }));
            const pages = await pageVersionsOfModels(db, parents, versionWhere(search), order, first, isUnfiltered(search));
            indexes.forEach((i, j) => {
              results[i] = pages[j];
            });
          } catch (error) {
            for (const i of indexes) results[i] = errorOf(error);
          }
        }),
      );
      return results;
    },
    { ...dataLoaderOptions, cacheKeyFn: (k) => JSON.stringify(k) },
  );

  /** `totalCount` of `RegisteredModel.versions`: one grouped count per distinct filter. */
  const modelVersionsCount = new DataLoader<{ modelId: number; filter?: VersionFilterInput | null }, number, string>(
    async (keys) => {
      const results: (number | Error)[] = new Array(keys.length);
      const groups = indexesByShape(keys, (k) => JSON.stringify(k.filter ?? null));
      await Promise.all(
        [...groups.values()].map(async (indexes) => {
          try {
            const where = versionWhere(versionSearch(keys[indexes[0]].filter));
            const counts = await countVersionsOfModels(
              db,
              indexes.map((i) => keys[i].modelId),
              where,
            );
            for (const i of indexes) results[i] = counts.get(keys[i].modelId) ?? 0;
          } catch (error) {
            for (const i of indexes) results[i] = errorOf(error);
          }
        }),
      );
      return results;
    },
    { ...dataLoaderOptions, cacheKeyFn: (k) => JSON.stringify(k) },
  );

  return {
    modelById,
    versionById,
    versionByNumber,
    latestVersions,
    modelVersionsPage,
    modelVersionsCount,
    modelTags: groupLoader(
      options,
      (ids: readonly number[]) => findModelTags(db, ids),
      (t) => t.modelId,
    ),
    modelAliases: groupLoader(
      options,
      (ids: readonly number[]) => findModelAliases(db, ids),
      (a) => a.modelId,
    ),
    /** An alias row by model and alias name, when it points at a live version. */
    aliasByName: rowLoader(
      options,
      (keys: readonly string[]) =>
        findAliasesByName(
          db,
          keys.map((k) => {
            const at = k.indexOf(':');
            return { modelId: Number(k.slice(0, at)), alias: k.slice(at + 1) };
          }),
        ),
      (a) => aliasKey(a.modelId, a.alias),
    ),
    versionTags: groupLoader(
      options,
      (ids: readonly number[]) => findVersionTags(db, ids),
      (t) => t.versionId,
    ),
    versionMetrics: groupLoader(
      options,
      (ids: readonly number[]) => findVersionMetrics(db, ids),
      (m) => m.versionId,
    ),
    versionAliases: groupLoader(
      options,
      (ids: readonly number[]) => findVersionAliases(db, ids),
      (a) => a.versionId,
    ),
  };
}

export { numberKey, aliasKey };
