import type { Tx } from '../db/client';
import { cancelActiveOfVersion, isCurrentInProduction } from '../db/repositories/deployment.repository';
import { conflict } from '../domain/errors';
import { toGlobalId } from '../domain/ids';
import { auditEvent, type AuditEvent } from '../domain/audit';

/**
 * What registry writes owe to deployments (semantics §3 rule 8; rule 6's out-of-policy events
 * are part of governance's stage-change outcome, domain/governance.ts). Each
 * runs in the caller's transaction, under the model lock the caller holds, and returns the
 * audit events for the caller to record with its own.
 */

/** Refuses to delete a model while one of its versions is current in a PRODUCTION-gated environment. */
export async function guardModelDelete(tx: Tx, model: { id: number; name: string }): Promise<void> {
  if (await isCurrentInProduction(tx, { modelId: model.id })) {
    throw conflict(
      `Registered model "${model.name}" is deployed (current) in an environment that requires PRODUCTION: roll out another model first`,
    );
  }
}

/**
 * Refuses to delete a version while it is current in a PRODUCTION-gated environment; otherwise
 * cancels its PENDING and IN_PROGRESS deployments (a hidden deployment must not hold the model's
 * active slot) and returns their DEPLOYMENT_CANCELLED events.
 */
export async function guardVersionDelete(
  tx: Tx,
  change: { actor: string; modelName: string; versionId: number; version: number },
): Promise<AuditEvent[]> {
  if (await isCurrentInProduction(tx, { versionId: change.versionId })) {
    throw conflict(
      `Version ${change.version} of "${change.modelName}" is deployed (current) in an environment that requires PRODUCTION: deploy another version first`,
    );
  }
  const cancelled = await cancelActiveOfVersion(tx, change.versionId, new Date());
  return cancelled.map((d) =>
    auditEvent(
      'DEPLOYMENT_CANCELLED',
      { actor: change.actor, modelName: change.modelName, version: change.version },
      {
        deploymentId: toGlobalId('Deployment', d.id),
        environment: d.environment.name,
        fromStatus: d.status,
        reason: 'VERSION_DELETED',
        comment: null,
      },
    ),
  );
}
