import type { Tx } from '../client';
import type { Stage } from '../../domain/stages';

export type EnvironmentRow = Awaited<ReturnType<Tx['environment']['findUniqueOrThrow']>>;

export function findEnvironmentByName(db: Tx, name: string): Promise<EnvironmentRow | null> {
  return db.environment.findUnique({ where: { name } });
}

export function findEnvironmentsByIds(db: Tx, ids: readonly number[]): Promise<EnvironmentRow[]> {
  return db.environment.findMany({ where: { id: { in: [...ids] } } });
}

export function findEnvironments(db: Tx): Promise<EnvironmentRow[]> {
  return db.environment.findMany({ orderBy: { name: 'asc' } });
}

/**
 * Serializes what changes an environment's deployments as a whole (update, delete) against
 * starts in it: a no-op UPDATE, held until commit, like lockModelRow. Lock order everywhere:
 * model row, then environment row.
 */
export async function lockEnvironmentRow(tx: Tx, name: string): Promise<void> {
  // By name: environments are never renamed, and a deleted one simply matches nothing.
  await tx.$executeRaw`UPDATE "Environment" SET "requiredStage" = "requiredStage" WHERE "name" = ${name}`;
}

export function insertEnvironment(
  tx: Tx,
  data: { name: string; description: string | null; requiredStage: Stage; createdBy: string },
): Promise<EnvironmentRow> {
  return tx.environment.create({ data });
}

export function updateEnvironment(
  tx: Tx,
  id: number,
  data: { description?: string | null; requiredStage?: Stage },
): Promise<EnvironmentRow> {
  return tx.environment.update({ where: { id }, data });
}

/** Deletes the environment and (cascade) its deployments; returns how many deployments went. */
export async function deleteEnvironment(tx: Tx, id: number): Promise<number> {
  const deployments = await tx.deployment.count({ where: { environmentId: id } });
  await tx.environment.delete({ where: { id } });
  return deployments;
}
