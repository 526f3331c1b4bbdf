import DataLoader from 'dataloader';
import type { Tx } from '../../db/client';
import { cursorValues, encodeCursor, type KeysetQuery } from '../../db/keyset';
import { findActiveApiKeysByIds, toPrincipal } from '../../db/repositories/api-key.repository';
import { findAuditEventsByIds } from '../../db/repositories/audit.repository';
import { findPolicyRows, toPolicy } from '../../db/repositories/policy.repository';
import {
  findDecisions,
  findRequestsByIds,
  findRequestsWhere,
  findRequestsWithModel,
  findStageHistory,
  requestWhere,
  type RequestRow,
} from '../../db/repositories/request.repository';
import { pageSize, type Page } from '../../domain/paging';
import { policyInForce, type Policy } from '../../domain/policy';
import { STAGES } from '../../domain/stages';
import type { RequestStatus } from '../../domain/transitions';
import { groupLoader, indexesByShape, rowLoader, type LoaderOptions } from './loader';

/** A per-parent request list: the parent, the status filter. Paging happens on the group. */
export interface RequestListKey {
  parentId: number;
  status: readonly RequestStatus[] | null | undefined;
}

const statusKey = (status: RequestListKey['status']) => [...(status ?? [])].sort().join(',');

/**
 * Loads the requests of many parents in one query per distinct status filter (in practice one),
 * grouped per parent. Each parent's page is cut in memory (pageOf): requests per version or model
 * are few, and one query for all parents beats one per parent.
 */
function requestListLoader(
  options: LoaderOptions,
  fetch: (parentIds: number[], status: RequestListKey['status']) => Promise<{ parentId: number; row: RequestRow }[]>,
): DataLoader<RequestListKey, RequestRow[], string> {
  return new DataLoader<RequestListKey, RequestRow[], string>(
    async (keys) => {
      const results: RequestRow[][] = keys.map(() => []);
      for (const indexes of indexesByShape(keys, (k) => statusKey(k.status)).values()) {
        const rows = await fetch([...new Set(indexes.map((i) => keys[i].parentId))], keys[indexes[0]].status);
        const byParent = new Map<number, RequestRow[]>();
        for (const { parentId, row } of rows) {
          const list = byParent.get(parentId);
          if (list) list.push(row);
          else byParent.set(parentId, [row]);
        }
        for (const i of indexes) results[i] = byParent.get(keys[i].parentId) ?? [];
      }
      return results;
    },
    { batch: options.batch, cache: options.batch, cacheKeyFn: (k) => `${k.parentId}|${statusKey(k.status)}` },
  );
}

const newestFirst = (a: RequestRow, b: RequestRow) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id;

/** One page of a group already in memory, with the same keyset cursors as a database page. */
export function pageOf(
  query: KeysetQuery,
  rows: RequestRow[],
  first: number | null | undefined,
  after: string | null | undefined,
): Page<RequestRow> {
  const size = pageSize(first);
  let sorted = [...rows].sort(newestFirst);
  if (after != null) {
    const [at, id] = cursorValues(query, after) as [Date, number];
    sorted = sorted.filter((r) => r.createdAt.getTime() < at.getTime() || (r.createdAt.getTime() === at.getTime() && r.id < id));
  }
  return {
    rows: sorted.slice(0, size),
    hasNextPage: sorted.length > size,
    hasPreviousPage: after != null,
    cursor: (row) => encodeCursor(query.kind, query.keys, row),
  };
}

export function governanceLoaders(db: Tx, options: LoaderOptions) {
  return {
    requestById: rowLoader(
      options,
      (ids: readonly number[]) => findRequestsByIds(db, ids),
      (r) => r.id,
    ),
    decisionsByRequest: groupLoader(
      options,
      (ids: readonly number[]) => findDecisions(db, ids),
      (d) => d.requestId,
    ),
    stageHistoryByVersion: groupLoader(
      options,
      (ids: readonly number[]) => findStageHistory(db, ids),
      (t) => t.versionId,
    ),
    requestsByVersion: requestListLoader(options, async (versionIds, status) => {
      const rows = await findRequestsWhere(db, requestWhere({ status }, { versionIds }));
      return rows.map((row) => ({ parentId: row.versionId, row }));
    }),
    requestsByModel: requestListLoader(options, async (modelIds, status) => {
      const rows = await findRequestsWithModel(db, requestWhere({ status }, { modelIds }));
      return rows.map(({ version, ...row }) => ({ parentId: version.modelId, row }));
    }),
    /** The policy in force for every stage of each model, from one query. */
    policiesByModel: new DataLoader<number, Policy[]>(
      async (modelIds) => {
        const rows = await findPolicyRows(db, modelIds);
        return modelIds.map((modelId) => {
          const candidates = rows.filter((r) => r.modelId === modelId || r.modelId === null).map(toPolicy);
          return STAGES.map((stage) => policyInForce(stage, candidates));
        });
      },
      { batch: options.batch, cache: options.batch },
    ),
    principalById: rowLoader(
      options,
      async (ids: readonly number[]) => (await findActiveApiKeysByIds(db, ids)).map(toPrincipal),
      (p) => p.id,
    ),
    auditEventById: rowLoader(
      options,
      (ids: readonly number[]) => findAuditEventsByIds(db, ids),
      (e) => e.id,
    ),
  };
}
