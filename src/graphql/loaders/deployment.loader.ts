import DataLoader from 'dataloader';
import type { Tx } from '../../db/client';
import { cursorValues, encodeCursor, pageArgs, toPage, type KeysetQuery } from '../../db/keyset';
import {
  countByEnvironmentAndStatus,
  countDeployments,
  countDeploymentsOfParents,
  deploymentWhere,
  findCurrentOfEnvironments,
  findCurrentOfModels,
  findDeployments,
  findDeploymentsByIds,
  findFirstDeploymentsOfParents,
  parentIdOf,
  type DeploymentFilter,
  type DeploymentParent,
  type DeploymentRow,
} from '../../db/repositories/deployment.repository';
import { findEnvironmentsByIds } from '../../db/repositories/environment.repository';
import type { DeploymentCounts } from '../../domain/deployments';
import { pageSize, type Listing, type Page } from '../../domain/paging';
import { DEPLOYMENTS_NEWEST_FIRST } from '../../services/deployment.service';
import { groupLoader, indexesByShape, rowLoader, type LoaderOptions } from './loader';

/** A per-parent deployment list: whose (model, version or environment), with which filter, which page. */
export interface DeploymentListKey {
  kind: DeploymentParent;
  parentId: number;
  filter: DeploymentFilter | null | undefined;
  first: number | null | undefined;
  after: string | null | undefined;
}

/** The keyset of one parent's list: cursors of one parent's list are refused by another's. */
const listQuery = (key: Pick<DeploymentListKey, 'kind' | 'parentId'>): KeysetQuery => ({
  ...DEPLOYMENTS_NEWEST_FIRST,
  kind: `Deployment@${key.kind}:${key.parentId}`,
});

/** One parent's page straight from the database (keyset, first + 1 rows). */
async function pageOfOne(db: Tx, key: DeploymentListKey, where: Record<string, unknown>): Promise<Listing<DeploymentRow>> {
  const query = listQuery(key);
  const page = { first: pageSize(key.first), after: key.after };
  const rows = await findDeployments(db, pageArgs(query, page, where));
  return { page: toPage(query, page, rows), totalCount: () => countDeployments(db, where) };
}

const errorOf = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/** A statistics request: one environment, finished since `since` (all time when null). */
export interface StatsKey {
  environmentId: number;
  since: Date | null;
}

/** A current deployment with the name it is ordered by (its model's, or its environment's). */
export type NamedDeployment = DeploymentRow & { orderName: string };

const filterShape = (filter: DeploymentFilter | null | undefined) =>
  JSON.stringify([filter?.environment ?? null, filter?.modelName ?? null, [...(filter?.status ?? [])].sort(), filter?.startedBy ?? null]);

const byName = (a: NamedDeployment, b: NamedDeployment) => (a.orderName < b.orderName ? -1 : a.orderName > b.orderName ? 1 : a.id - b.id);

type Sortable = { id: number } & Record<string, unknown>;

function compareBy(query: KeysetQuery) {
  const { field, direction } = query.keys[0];
  const value = (row: Sortable) => {
    const v = row[field];
    return v instanceof Date ? v.getTime() : (v as string | number);
  };
  return (a: Sortable, b: Sortable) => {
    const x = value(a);
    const y = value(b);
    const c = x < y ? -1 : x > y ? 1 : a.id - b.id;
    return direction === 'asc' ? c : -c;
  };
}

/**
 * One page of a list already in memory (one sort key and the id), with the same keyset cursors
 * as a database page: a parent's deployments are loaded for all parents in one query.
 */
export function pageInMemory<T extends Sortable>(
  query: KeysetQuery,
  rows: readonly T[],
  first: number | null | undefined,
  after: string | null | undefined,
): Page<T> {
  const size = pageSize(first);
  const compare = compareBy(query);
  let sorted = [...rows].sort(compare);
  if (after != null) {
    const [value, id] = cursorValues(query, after) as [unknown, number];
    const at = { id, [query.keys[0].field]: value } as Sortable;
    sorted = sorted.filter((row) => compare(row, at) > 0);
  }
  return {
    rows: sorted.slice(0, size),
    hasNextPage: sorted.length > size,
    hasPreviousPage: after != null,
    cursor: (row) => encodeCursor(query.kind, query.keys, row),
  };
}

/**
 * The names of rows by id, through a loader the response uses anyway (its cache serves the
 * fields read later): ordering by a related name costs no statement of its own.
 */
async function namesOf(loader: DataLoader<number, { name: string } | null>, ids: number[]): Promise<Map<number, string>> {
  const unique = [...new Set(ids)];
  const rows = await loader.loadMany(unique);
  const names = new Map<number, string>();
  rows.forEach((row, i) => {
    if (row && !(row instanceof Error)) names.set(unique[i], row.name);
  });
  return names;
}

/** Every relation of environments and deployments, batched per request. */
export function deploymentLoaders(db: Tx, options: LoaderOptions, related: { modelById: DataLoader<number, { name: string } | null> }) {
  const dataLoaderOptions = { batch: options.batch, cache: options.batch };
  const environmentById = rowLoader(
    options,
    (ids: readonly number[]) => findEnvironmentsByIds(db, ids),
    (e) => e.id,
  );
  return {
    environmentById,
    deploymentById: rowLoader(
      options,
      (ids: readonly number[]) => findDeploymentsByIds(db, ids),
      (d) => d.id,
    ),
    /** Each environment's current deployments, by model name (the models are needed by the dashboard anyway). */
    currentByEnvironment: groupLoader(
      options,
      async (ids: readonly number[]): Promise<NamedDeployment[]> => {
        const rows = await findCurrentOfEnvironments(db, ids);
        const names = await namesOf(
          related.modelById,
          rows.map((r) => r.modelId),
        );
        return rows.flatMap((row) => (names.has(row.modelId) ? [{ ...row, orderName: names.get(row.modelId)! }] : [])).sort(byName);
      },
      (d) => d.environmentId,
    ),
    /** Each model's current deployments, by environment name. */
    currentByModel: groupLoader(
      options,
      async (ids: readonly number[]): Promise<NamedDeployment[]> => {
        const rows = await findCurrentOfModels(db, ids);
        const names = await namesOf(
          environmentById,
          rows.map((r) => r.environmentId),
        );
        return rows
          .flatMap((row) => (names.has(row.environmentId) ? [{ ...row, orderName: names.get(row.environmentId)! }] : []))
          .sort(byName);
      },
      (d) => d.modelId,
    ),
    /**
     * A page of the deployments of many parents of one kind, newest first. A parent asked alone
     * (one model's or one environment's history: the usual case) reads one page from the
     * database, however long its history, and counts only when totalCount is asked. First pages
     * of parents asked together with the same filter share one statement that reads at most
     * `first + 1` rows per parent, and one grouped count when a totalCount is asked. A later
     * page (with a cursor) of one of many parents reads its own page.
     */
    deploymentsOf: new DataLoader<DeploymentListKey, Listing<DeploymentRow> | Error, string>(
      async (keys) => {
        const results: (Listing<DeploymentRow> | Error)[] = keys.map(() => new Error('not loaded'));
        for (const indexes of indexesByShape(keys, (k) => `${k.kind}|${filterShape(k.filter)}`).values()) {
          const { kind, filter } = keys[indexes[0]];
          const ids = [...new Set(indexes.map((i) => keys[i].parentId))];
          const firstPages = ids.length === 1 ? [] : indexes.filter((i) => keys[i].after == null);
          for (const i of indexes) {
            if (firstPages.includes(i)) continue;
            const where = deploymentWhere(filter ?? {}, { kind, ids: [keys[i].parentId] });
            results[i] = await pageOfOne(db, keys[i], where).catch(errorOf);
          }
          if (!firstPages.length) continue;
          const perParent = Math.max(...firstPages.map((i) => pageSize(keys[i].first))) + 1;
          const parents = { kind, ids: [...new Set(firstPages.map((i) => keys[i].parentId))] };
          const rows = await findFirstDeploymentsOfParents(db, parents, filter ?? {}, perParent);
          let counts: Promise<Map<number, number>> | undefined;
          const countOf = async (parentId: number) => {
            counts ??= countDeploymentsOfParents(db, kind, deploymentWhere(filter ?? {}, parents));
            return (await counts).get(parentId) ?? 0;
          };
          const byParent = new Map<number, DeploymentRow[]>();
          for (const row of rows) {
            const parent = parentIdOf(row, kind);
            const list = byParent.get(parent);
            if (list) list.push(row);
            else byParent.set(parent, [row]);
          }
          for (const i of firstPages) {
            const mine = byParent.get(keys[i].parentId) ?? [];
            try {
              results[i] = {
                page: pageInMemory(listQuery(keys[i]), mine, keys[i].first, keys[i].after),
                totalCount: () => countOf(keys[i].parentId),
              };
            } catch (error) {
              results[i] = errorOf(error);
            }
          }
        }
        return results;
      },
      {
        ...dataLoaderOptions,
        cacheKeyFn: (k) => JSON.stringify([k.kind, k.parentId, filterShape(k.filter), k.first ?? null, k.after ?? null]),
      },
    ),
    /** Counts per outcome of many environments, one grouped query per distinct `since`. */
    statsByEnvironment: new DataLoader<StatsKey, DeploymentCounts, string>(
      async (keys) => {
        const results: DeploymentCounts[] = keys.map(() => ({ succeeded: 0, failed: 0, cancelled: 0, active: 0 }));
        for (const indexes of indexesByShape(keys, (k) => k.since?.toISOString() ?? '').values()) {
          const ids = [...new Set(indexes.map((i) => keys[i].environmentId))];
          const groups = await countByEnvironmentAndStatus(db, ids, keys[indexes[0]].since);
          for (const i of indexes) {
            const counts = results[i];
            for (const g of groups.filter((x) => x.environmentId === keys[i].environmentId)) {
              if (g.status === 'SUCCEEDED') counts.succeeded += g.count;
              else if (g.status === 'FAILED') counts.failed += g.count;
              else if (g.status === 'CANCELLED') counts.cancelled += g.count;
              else counts.active += g.count;
            }
          }
        }
        return results;
      },
      { ...dataLoaderOptions, cacheKeyFn: (k) => `${k.environmentId}|${k.since?.toISOString() ?? ''}` },
    ),
  };
}
