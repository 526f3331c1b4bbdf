import DataLoader from 'dataloader';
import type { Tx } from '../../db/client';
import { findAliasesByName, findVersionAliases } from '../../db/repositories/alias.repository';
import { findVersionMetrics } from '../../db/repositories/metric.repository';
import { findModelsByIds } from '../../db/repositories/model.repository';
import { findModelChildren, NO_PARTS, type ChildParts, type ModelChildren } from '../../db/repositories/model-children.repository';
import { countVersionsOfModels, modelVersionsKeyset, pageVersionsOfModels, versionWhere } from '../../db/repositories/search.repository';
import { toPage } from '../../db/keyset';
import { findVersionTags } from '../../db/repositories/tag.repository';
import { findVersionsByIds, findVersionsByNumbers, type VersionRow } from '../../db/repositories/version.repository';
import { pageSize, type Page } from '../../domain/paging';
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

/**
 * One part of a model's children, as `modelChildren` keys name it: `tags`, `aliases` (`+v`: with
 * the versions they point at), `latest` (`+m`, `+t`, `+mt`: with their metrics and/or tags),
 * `first:<n>` (the n newest versions), `count` (live versions).
 */
export type ChildPart = 'tags' | 'aliases' | 'aliases+v' | 'latest' | 'latest+m' | 'latest+t' | 'latest+mt' | `first:${number}` | 'count';

const childKey = (modelId: number, part: ChildPart) => `${modelId}|${part}`;

/** A part of a model's children, through the request's modelChildren loader. */
export function childrenOf<T>(loader: DataLoader<string, unknown>, modelId: number, part: ChildPart): Promise<T> {
  return loader.load(childKey(modelId, part)) as Promise<T>;
}

function partsOf(keys: readonly string[]): { modelIds: number[]; parts: ChildParts } {
  const parts: ChildParts = { ...NO_PARTS };
  const modelIds = new Set<number>();
  for (const key of keys) {
    const at = key.indexOf('|');
    modelIds.add(Number(key.slice(0, at)));
    const part = key.slice(at + 1);
    if (part === 'tags') parts.tags = true;
    else if (part.startsWith('aliases')) {
      parts.aliases = true;
      if (part.endsWith('+v')) parts.aliasVersions = true;
    } else if (part.startsWith('latest')) {
      parts.latest = true;
      if (part.includes('m', 6)) parts.latestMetrics = true;
      if (part.includes('t', 6)) parts.latestTags = true;
    } else if (part.startsWith('first:')) parts.firstVersions = Math.max(parts.firstVersions, Number(part.slice(6)));
    else if (part === 'count') parts.versionCount = true;
  }
  return { modelIds: [...modelIds], parts };
}

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

  const versionMetrics = groupLoader(
    options,
    (ids: readonly number[]) => findVersionMetrics(db, ids),
    (m) => m.versionId,
  );
  const versionTags = groupLoader(
    options,
    (ids: readonly number[]) => findVersionTags(db, ids),
    (t) => t.versionId,
  );

  /**
   * Every child list of the models a request shows, in ONE statement per tick: the resolvers of
   * a page's tags, aliases, latest versions and first versions (with their count) all run in the
   * same tick, so their keys meet in one batch. What a part also read (the aliases' versions, the
   * latest versions' metrics and tags) primes the loaders that the next level asks.
   */
  const modelChildren = new DataLoader<string, unknown>(async (keys) => {
    const { modelIds, parts } = partsOf(keys);
    const children = await findModelChildren(db, modelIds, parts);
    if (options.batch) prime(children);
    return keys.map((key) => {
      const at = key.indexOf('|');
      const found = children.get(Number(key.slice(0, at)));
      const part = key.slice(at + 1);
      if (!found) return part === 'count' ? 0 : [];
      if (part === 'tags') return found.tags;
      if (part.startsWith('aliases')) return found.aliases;
      if (part.startsWith('latest')) return found.latest.map((l) => l.version);
      if (part.startsWith('first:')) return found.firstVersions.slice(0, Number(part.slice(6)));
      return found.versionCount;
    });
  }, dataLoaderOptions);

  function prime(children: Map<number, ModelChildren>) {
    for (const c of children.values()) {
      for (const v of c.aliasVersions) versionById.prime(v.id, v);
      for (const l of c.latest) {
        if (l.metrics) versionMetrics.prime(l.version.id, l.metrics);
        if (l.tags) versionTags.prime(l.version.id, l.tags);
      }
    }
  }

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
    modelVersionsPage,
    modelVersionsCount,
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
    versionTags,
    versionMetrics,
    modelChildren,
    versionAliases: groupLoader(
      options,
      (ids: readonly number[]) => findVersionAliases(db, ids),
      (a) => a.versionId,
    ),
  };
}

export { numberKey, aliasKey };

/**
 * The first page of a model's unfiltered versions, newest first (what a dashboard asks): read
 * with the model's other children (`first:<n>`) rather than by modelVersionsPage.
 */
export function isNewestFirstPage(key: ModelVersionsKey): boolean {
  if (key.after != null) return false;
  try {
    pageSize(key.first);
    const [order, ...rest] = sortKeys(key.orderBy, VERSION_ORDER_FIELDS, DEFAULT_VERSION_ORDER);
    return rest.length === 0 && order.field === 'version' && order.direction === 'desc' && isUnfiltered(versionSearch(key.filter));
  } catch {
    return false; // modelVersionsPage reports the error
  }
}

/** The page of isNewestFirstPage from `size + 1` newest rows, with the same cursors as modelVersionsPage. */
export function newestFirstPage(modelId: number, size: number, rows: VersionRow[]): Page<VersionRow> {
  return toPage(modelVersionsKeyset(modelId, DEFAULT_VERSION_ORDER), { first: size, after: null }, rows);
}
