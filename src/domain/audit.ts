import type { MetricGate } from './policy';
import type { KeyValue } from './registry';
import type { Role } from './roles';
import type { Stage } from './stages';

/**
 * The audit vocabulary: every action and the details it records, one entry per action. Ids in
 * details are always public global ids (domain/ids.ts), never row ids. Adding an action is one
 * entry here; test/audit-vocabulary.test.ts, typed by this, then asks for the shape of its details.
 */
export interface AuditDetails {
  MODEL_CREATED: { description: string | null; tags: KeyValue<string>[] };
  MODEL_UPDATED: { description: string | null };
  MODEL_RENAMED: { oldName: string; newName: string };
  MODEL_DELETED: { lastVersion: number };
  /** On a model (version null) or on a version. */
  TAG_SET: { key: string; value: string };
  TAG_DELETED: { key: string };
  VERSION_CREATED: { source: string; runId: string | null; tags: KeyValue<string>[]; metrics: KeyValue<number>[] };
  VERSION_UPDATED: { description: string | null };
  VERSION_DELETED: { aliases: string[]; cancelledRequests: string[] };
  METRICS_LOGGED: { metrics: KeyValue<number>[] };
  ALIAS_SET: { alias: string; version: number; previousVersion: number | null };
  ALIAS_DELETED: { alias: string };
  POLICY_SET: {
    scope: 'MODEL' | 'REGISTRY';
    stage: Stage;
    requiredApprovals: number;
    allowSelfApproval: boolean;
    metricGates: MetricGate[];
  };
  TRANSITION_REQUESTED: {
    requestId: string;
    fromStage: Stage;
    toStage: Stage;
    archiveExistingVersions: boolean;
    requiredApprovals: number;
    comment: string | null;
  };
  /** `automatic`: the policy needed no approval, so the request approved itself. */
  TRANSITION_APPROVED: {
    requestId: string;
    approvals: number;
    requiredApprovals: number;
    applied: boolean;
    automatic: boolean;
    comment: string | null;
    /** The version's metrics when it was decided. */
    metrics: Record<string, number>;
  };
  TRANSITION_REJECTED: { requestId: string; fromStage: Stage; toStage: Stage; comment: string | null };
  /** CANCELLED by its requester or an ADMIN; SUPERSEDED by a stage change of its version; VERSION_DELETED. */
  TRANSITION_CANCELLED: {
    requestId: string;
    fromStage: Stage;
    toStage: Stage;
    reason: 'CANCELLED' | 'SUPERSEDED' | 'VERSION_DELETED';
    comment: string | null;
  };
  /**
   * DIRECT (an ADMIN's transition), REQUEST_APPROVED, or ARCHIVED_BY_PROMOTION of `promotedVersion`.
   * `requestId` is the applied request's, null otherwise.
   */
  STAGE_CHANGED: {
    fromStage: Stage;
    toStage: Stage;
    requestId: string | null;
    reason: 'DIRECT' | 'REQUEST_APPROVED' | 'ARCHIVED_BY_PROMOTION';
    archiveExistingVersions: boolean;
    promotedVersion: number | null;
    comment: string | null;
  };
  API_KEY_CREATED: { name: string; roles: Role[] };
  API_KEY_REVOKED: { name: string; roles: Role[] };
}

export type AuditAction = keyof AuditDetails;

/** One audit event as a change records it; `at` and the id are the database's. */
export type AuditEvent = {
  [A in AuditAction]: {
    action: A;
    actor: string;
    /** The model's name when the event happened (absent for API keys and registry-wide policies). */
    modelName?: string | null;
    version?: number | null;
    details: AuditDetails[A];
  };
}[AuditAction];

/** An event of one action. */
export type AuditEventOf<A extends AuditAction> = Extract<AuditEvent, { action: A }>;

/** Builds an event; the action's details type is checked where it is written. */
export function auditEvent<A extends AuditAction>(
  action: A,
  where: { actor: string; modelName?: string | null; version?: number | null },
  details: AuditDetails[A],
): AuditEventOf<A> {
  return { action, actor: where.actor, modelName: where.modelName ?? null, version: where.version ?? null, details } as AuditEventOf<A>;
}
