import type { Tx } from '../client';
import type { Stage } from '../../domain/stages';
import type { RequestStatus } from '../../domain/transitions';
import { live } from './version.repository';

export type RequestRow = Awaited<ReturnType<Tx['transitionRequest']['findUniqueOrThrow']>>;
export type DecisionRow = Awaited<ReturnType<Tx['approvalDecision']['findUniqueOrThrow']>>;
export type StageTransitionRow = Awaited<ReturnType<Tx['stageTransition']['findUniqueOrThrow']>>;

export function findRequest(db: Tx, id: number) {
  return db.transitionRequest.findUnique({
    where: { id },
    include: { version: { select: { id: true, modelId: true, version: true, deletedAt: true, model: { select: { name: true } } } } },
  });
}

export function findDecisions(db: Tx, requestIds: readonly number[]): Promise<DecisionRow[]> {
  return db.approvalDecision.findMany({ where: { requestId: { in: [...requestIds] } }, orderBy: { id: 'asc' } });
}

/** The version's PENDING requests, optionally for one target. */
export function findPendingRequests(db: Tx, versionId: number, toStage?: Stage): Promise<RequestRow[]> {
  return db.transitionRequest.findMany({
    where: { versionId, status: 'PENDING', ...(toStage ? { toStage } : {}) },
    orderBy: { id: 'asc' },
  });
}

export function createRequest(
  tx: Tx,
  data: {
    versionId: number;
    fromStage: Stage;
    toStage: Stage;
    requestedBy: string;
    comment: string | null;
    archiveExistingVersions: boolean;
    requiredApprovals: number;
  },
): Promise<RequestRow> {
  return tx.transitionRequest.create({ data });
}

/** Ends a request. Only PENDING rows change: a decided request never changes again. */
export async function resolveRequest(tx: Tx, id: number, status: Exclude<RequestStatus, 'PENDING'>, at: Date): Promise<RequestRow> {
  const { count } = await tx.transitionRequest.updateMany({ where: { id, status: 'PENDING' }, data: { status, resolvedAt: at } });
  if (count !== 1) throw new Error(`request ${id} was not PENDING under the model lock`);
  return tx.transitionRequest.findUniqueOrThrow({ where: { id } });
}

export async function cancelRequests(tx: Tx, ids: readonly number[], at: Date): Promise<void> {
  if (ids.length)
    await tx.transitionRequest.updateMany({
      where: { id: { in: [...ids] }, status: 'PENDING' },
      data: { status: 'CANCELLED', resolvedAt: at },
    });
}

export function insertDecision(
  tx: Tx,
  data: { requestId: number; approver: string; decision: 'APPROVE' | 'REJECT'; comment: string | null },
): Promise<DecisionRow> {
  return tx.approvalDecision.create({ data });
}

/** The version with what governance decides on: stage, status, deletion, metrics. */
export function findVersionForGovernance(db: Tx, where: { id: number } | { modelId: number; version: number }) {
  return db.modelVersion.findFirst({
    where: 'id' in where ? { id: where.id } : { ...live, modelId: where.modelId, version: where.version },
    include: { metrics: true, model: { select: { id: true, name: true } } },
  });
}

/** Other live versions of the model in a stage (candidates for an automatic archive). */
export function findVersionsInStage(tx: Tx, modelId: number, stage: Stage) {
  return tx.modelVersion.findMany({
    where: { ...live, modelId, stage },
    orderBy: { version: 'asc' },
    select: { id: true, version: true, stage: true },
  });
}

export async function moveVersion(
  tx: Tx,
  change: { versionId: number; fromStage: Stage; toStage: Stage; actor: string; requestId: number | null; at: Date },
): Promise<void> {
  await tx.modelVersion.update({ where: { id: change.versionId }, data: { stage: change.toStage } });
  await tx.stageTransition.create({
    data: {
      versionId: change.versionId,
      fromStage: change.fromStage,
      toStage: change.toStage,
      actor: change.actor,
      requestId: change.requestId,
      at: change.at,
    },
  });
}

/** PENDING requests of several versions (to supersede them after a stage change). */
export function findPendingOfVersions(tx: Tx, versionIds: readonly number[]): Promise<RequestRow[]> {
  return tx.transitionRequest.findMany({ where: { versionId: { in: [...versionIds] }, status: 'PENDING' }, orderBy: { id: 'asc' } });
}

// ---- reads for GraphQL (loaders and connections) ----

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
