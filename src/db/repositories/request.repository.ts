import type { Tx } from '../client';
import type { KeysetQuery } from '../keyset';
import type { Stage } from '../../domain/stages';
import type { RequestStatus } from '../../domain/transitions';
import { live } from './version.repository';

export type RequestRow = Awaited<ReturnType<Tx['transitionRequest']['findUniqueOrThrow']>>;
export type DecisionRow = Awaited<ReturnType<Tx['approvalDecision']['findUniqueOrThrow']>>;
export type StageTransitionRow = Awaited<ReturnType<Tx['stageTransition']['findUniqueOrThrow']>>;

export function findDecisions(db: Tx, requestIds: readonly number[]): Promise<DecisionRow[]> {
  return db.approvalDecision.findMany({ where: { requestId: { in: [...requestIds] } }, orderBy: { id: 'asc' } });
}

/** PENDING requests of several versions (to supersede them after a stage change). */
export function findPendingOfVersions(tx: Tx, versionIds: readonly number[]): Promise<RequestRow[]> {
  return tx.transitionRequest.findMany({ where: { versionId: { in: [...versionIds] }, status: 'PENDING' }, orderBy: { id: 'asc' } });
}

/** Cancels PENDING requests: superseded by a stage change, or of a deleted version. */
export async function cancelRequests(tx: Tx, ids: readonly number[], at: Date): Promise<void> {
  if (ids.length) {
    await tx.transitionRequest.updateMany({
      where: { id: { in: [...ids] }, status: 'PENDING' },
      data: { status: 'CANCELLED', resolvedAt: at },
    });
  }
}

// ---- reads for GraphQL (loaders and connections) ----

/**
 * The one order of every request list: newest first, the id breaking ties (keyset, see
 * db/keyset.ts). `scope` names the list (a version's, a model's), so that a cursor of one list
 * is refused by another.
 */
export function requestsNewestFirst(scope = ''): KeysetQuery {
  return { kind: `TransitionRequest${scope}`, keys: [{ field: 'createdAt', direction: 'desc' }], dateFields: new Set(['createdAt']) };
}

export interface RequestFilter {
  modelName?: string | null;
  status?: readonly RequestStatus[] | null;
  toStage?: Stage | null;
  requestedBy?: string | null;
}

/** Requests of live versions matching the filter, as a Prisma `where`. */
export function requestWhere(filter: RequestFilter, scope: { versionIds?: readonly number[]; modelIds?: readonly number[] } = {}) {
  return {
    ...(filter.status?.length ? { status: { in: [...filter.status] } } : {}),
    ...(filter.toStage ? { toStage: filter.toStage } : {}),
    ...(filter.requestedBy != null ? { requestedBy: filter.requestedBy } : {}),
    ...(scope.versionIds ? { versionId: { in: [...scope.versionIds] } } : {}),
    version: {
      ...live,
      ...(scope.modelIds ? { modelId: { in: [...scope.modelIds] } } : {}),
      ...(filter.modelName != null ? { model: { name: filter.modelName } } : {}),
    },
  };
}

export function findRequests(db: Tx, args: { where: object; orderBy: object[]; take: number }): Promise<RequestRow[]> {
  return db.transitionRequest.findMany(args);
}

export function countRequests(db: Tx, where: object): Promise<number> {
  return db.transitionRequest.count({ where });
}

export function findRequestsWhere(db: Tx, where: object): Promise<RequestRow[]> {
  return db.transitionRequest.findMany({ where });
}

/** Requests with the model id of their version, for grouping per model. */
export function findRequestsWithModel(db: Tx, where: object) {
  return db.transitionRequest.findMany({ where, include: { version: { select: { modelId: true } } } });
}

export function findRequestsByIds(db: Tx, ids: readonly number[]): Promise<RequestRow[]> {
  return db.transitionRequest.findMany({ where: { id: { in: [...ids] }, version: live } });
}

export function findStageHistory(db: Tx, versionIds: readonly number[]): Promise<StageTransitionRow[]> {
  return db.stageTransition.findMany({ where: { versionId: { in: [...versionIds] } }, orderBy: [{ versionId: 'asc' }, { id: 'asc' }] });
}
