import type { DeploymentStatus } from './deployments';
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
  ENVIRONMENT_CREATED: { environmentId: string; name: string; description: string | null; requiredStage: Stage };
  /** The environment after the update, and the stage it required before. */
  ENVIRONMENT_UPDATED: {
    environmentId: string;
    name: string;
    description: string | null;
    requiredStage: Stage;
    previousRequiredStage: Stage;
  };
  ENVIRONMENT_DELETED: { environmentId: string; name: string; removedDeployments: number };
  DEPLOYMENT_STARTED: { deploymentId: string; environment: string; stage: Stage; config: Record<string, unknown> };
  /** `replacedDeploymentId`: on SUCCEEDED, the deployment that stopped being current (else null). */
  DEPLOYMENT_STATUS_REPORTED: {
    deploymentId: string;
    environment: string;
    fromStatus: DeploymentStatus;
    status: DeploymentStatus;
    message: string | null;
    endpointUrl: string | null;
    replacedDeploymentId: string | null;
  };
  /** CANCELLED by its starter or an ADMIN; VERSION_DELETED when its version was deleted. */
  DEPLOYMENT_CANCELLED: {
    deploymentId: string;
    environment: string;
    fromStatus: DeploymentStatus;
    reason: 'CANCELLED' | 'VERSION_DELETED';
    comment: string | null;
  };
  DEPLOYMENT_ROLLED_BACK: {
    deploymentId: string;
    environment: string;
    rollbackOf: string;
    fromVersion: number | null;
    toVersion: number;
    comment: string | null;
  };
  /**
   * A current deployment left its environment's admitted stages: its version moved (STAGE_CHANGED,
   * fromStage -> toStage) or the environment's requiredStage rose (REQUIRED_STAGE_RAISED, from
   * previousRequiredStage; fromStage = toStage, the version's stage).
   */
  /** Webhooks never record their secret, and of their URL only the origin. */
  WEBHOOK_CREATED: { webhookId: string; name: string; origin: string; actions: string[]; modelNames: string[]; active: boolean };
  /** The webhook after the update. */
  WEBHOOK_UPDATED: { webhookId: string; name: string; origin: string; actions: string[]; modelNames: string[]; active: boolean };
  WEBHOOK_DELETED: { webhookId: string; name: string };
  /** Replay: `queued` new deliveries of the events after `afterEventId`. */
  WEBHOOK_REDELIVERED: { webhookId: string; name: string; afterEventId: string; queued: number };
  DEPLOYMENT_OUT_OF_POLICY: {
    deploymentId: string;
    environment: string;
    reason: 'STAGE_CHANGED' | 'REQUIRED_STAGE_RAISED';
    requiredStage: Stage;
    previousRequiredStage: Stage;
    fromStage: Stage;
    toStage: Stage;
  };
}

export type AuditAction = keyof AuditDetails;

/**
 * Every action, at run time: the filters of webhooks and subscriptions name actions, and a name
 * that is none of these (a typo) would silently match nothing. The type below fails to compile
 * when an action of AuditDetails is missing here.
 */
export const AUDIT_ACTIONS = [
  'MODEL_CREATED',
  'MODEL_UPDATED',
  'MODEL_RENAMED',
  'MODEL_DELETED',
  'TAG_SET',
  'TAG_DELETED',
  'VERSION_CREATED',
  'VERSION_UPDATED',
  'VERSION_DELETED',
  'METRICS_LOGGED',
  'ALIAS_SET',
  'ALIAS_DELETED',
  'POLICY_SET',
  'TRANSITION_REQUESTED',
  'TRANSITION_APPROVED',
  'TRANSITION_REJECTED',
  'TRANSITION_CANCELLED',
  'STAGE_CHANGED',
  'API_KEY_CREATED',
  'API_KEY_REVOKED',
  'ENVIRONMENT_CREATED',
  'ENVIRONMENT_UPDATED',
  'ENVIRONMENT_DELETED',
  'DEPLOYMENT_STARTED',
  'DEPLOYMENT_STATUS_REPORTED',
  'DEPLOYMENT_CANCELLED',
  'DEPLOYMENT_ROLLED_BACK',
  'DEPLOYMENT_OUT_OF_POLICY',
  'WEBHOOK_CREATED',
  'WEBHOOK_UPDATED',
  'WEBHOOK_DELETED',
  'WEBHOOK_REDELIVERED',
] as const satisfies readonly AuditAction[];
type Unlisted = Exclude<AuditAction, (typeof AUDIT_ACTIONS)[number]>;
const everyActionListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyActionListed;

const ACTIONS: ReadonlySet<string> = new Set(AUDIT_ACTIONS);

export function isAuditAction(name: string): name is AuditAction {
  return ACTIONS.has(name);
}

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
