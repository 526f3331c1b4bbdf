import type { Tx } from '../db/client';
import { cancelActiveOfVersion, findCurrentOfVersions, isCurrentInProduction } from '../db/repositories/deployment.repository';
import { leavesPolicy } from '../domain/deployments';
import { conflict } from '../domain/errors';
import { toGlobalId } from '../domain/ids';
import type { StageChange } from '../domain/governance';
import { auditEvent, type AuditEvent } from '../domain/audit';

/**
 * What registry and governance writes owe to deployments (semantics §3 rules 6 and 8). Each
 * runs in the caller's transaction, under the model lock the caller holds, and returns the
 * audit events for the caller to record with its own.
 */

/**
 * One DEPLOYMENT_OUT_OF_POLICY event per current deployment that a stage change moves out of
 * its environment's admitted stages: the promoted version and those archived with it.
 */
export async function outOfPolicyEvents(tx: Tx, change: StageChange): Promise<AuditEvent[]> {
  if (change.moves.length === 0) return [];
  const moveOf = new Map(change.moves.map((m) => [m.versionId, m]));
  const current = await findCurrentOfVersions(tx, [...moveOf.keys()]);
  return current.flatMap((d) => {
    const move = moveOf.get(d.versionId)!;
    if (!leavesPolicy(d.requiredStage, move.fromStage, move.toStage)) return [];
    return [
      auditEvent(
        'DEPLOYMENT_OUT_OF_POLICY',
        { actor: change.actor, modelName: d.modelName, version: d.version },
        {
          deploymentId: toGlobalId('Deployment', d.id),
          environment: d.environmentName,
          reason: 'STAGE_CHANGED',
          requiredStage: d.requiredStage,
          previousRequiredStage: d.requiredStage,
          fromStage: move.fromStage,
          toStage: move.toStage,
        },
      ),
    ];
  });
}

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
