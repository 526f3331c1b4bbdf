import type { Database, Tx } from '../db/client';
import { recordAudit, type AuditEntry } from '../db/repositories/audit.repository';
import { countActiveInEnvironment, findCurrentOfEnvironments } from '../db/repositories/deployment.repository';
import {
  deleteEnvironment,
  findEnvironmentByName,
  findEnvironments,
  insertEnvironment,
  lockEnvironmentRow,
  updateEnvironment,
  type EnvironmentRow,
} from '../db/repositories/environment.repository';
import { findVersionsByIds } from '../db/repositories/version.repository';
import { findModelsByIds } from '../db/repositories/model.repository';
import { admits, isEnvironmentName, validateEnvironmentName, validateRequiredStage } from '../domain/deployments';
import { conflict, notFound } from '../domain/errors';
import { toGlobalId } from '../domain/ids';
import { validateText } from '../domain/names';
import type { Principal } from '../domain/roles';
import type { Stage } from '../domain/stages';
import { uniquely } from './errors';

export interface CreateEnvironmentInput {
  name: string;
  description?: string | null;
  requiredStage: Stage;
}

export interface UpdateEnvironmentInput {
  name: string;
  description?: string | null;
  requiredStage?: Stage | null;
}

const environmentGid = (id: number) => toGlobalId('Environment', id);

/** The environment a write acts on, locked (lockEnvironmentRow), then read; NOT_FOUND when there is none. */
export async function requireEnvironment(tx: Tx, name: string): Promise<EnvironmentRow> {
  if (!isEnvironmentName(name)) throw notFound(`No environment named "${name}"`);
  await lockEnvironmentRow(tx, name);
  // Read under the lock: a delete that committed meanwhile is seen now.
  const environment = await findEnvironmentByName(tx, name);
  if (!environment) throw notFound(`No environment named "${name}"`);
  return environment;
}

/** ADMIN's use cases on deployment target environments (semantics §3, Environments). */
export class EnvironmentService {
  constructor(private readonly db: Database) {}

  list(): Promise<EnvironmentRow[]> {
    return findEnvironments(this.db.prisma);
  }

  find(name: string): Promise<EnvironmentRow | null> {
    return isEnvironmentName(name) ? findEnvironmentByName(this.db.prisma, name) : Promise.resolve(null);
  }

  async create(actor: Principal, input: CreateEnvironmentInput): Promise<EnvironmentRow> {
    const name = validateEnvironmentName(input.name);
    const description = validateText(input.description, 'description');
    const requiredStage = validateRequiredStage(input.requiredStage);
    return uniquely(
      () =>
        this.db.prisma.$transaction(async (tx) => {
          const environment = await insertEnvironment(tx, { name, description, requiredStage, createdBy: actor.name });
          await recordAudit(tx, {
            action: 'ENVIRONMENT_CREATED',
            actor: actor.name,
            details: { environmentId: environmentGid(environment.id), name, description, requiredStage },
          });
          return environment;
        }),
      `An environment named "${name}" already exists`,
    );
  }

  /**
   * An omitted description or requiredStage changes nothing; a null description clears it.
   * Raising requiredStage undoes no deployment: each current one it puts out of policy gets a
   * DEPLOYMENT_OUT_OF_POLICY event, as a stage change would.
   */
  async update(actor: Principal, input: UpdateEnvironmentInput): Promise<EnvironmentRow> {
    const description = validateText(input.description, 'description');
    const requiredStage = input.requiredStage == null ? undefined : validateRequiredStage(input.requiredStage);
    return this.db.prisma.$transaction(async (tx) => {
      const before = await requireEnvironment(tx, input.name);
      const data = {
        ...(input.description !== undefined ? { description } : {}),
        ...(requiredStage !== undefined ? { requiredStage } : {}),
      };
      if (Object.keys(data).length === 0) return before;
      const after = await updateEnvironment(tx, before.id, data);
      const audit: AuditEntry[] = [
        {
          action: 'ENVIRONMENT_UPDATED',
          actor: actor.name,
          details: {
            environmentId: environmentGid(after.id),
            name: after.name,
            description: after.description,
            requiredStage: after.requiredStage,
            previousRequiredStage: before.requiredStage,
          },
        },
      ];
      if (after.requiredStage !== before.requiredStage) audit.push(...(await this.raisedOutOfPolicy(tx, actor, before, after)));
      await recordAudit(tx, ...audit);
      return after;
    });
  }

  /** Refused while a deployment there is PENDING or IN_PROGRESS; removes its deployments (audit stays). */
  async delete(actor: Principal, input: { name: string }): Promise<string> {
    return this.db.prisma.$transaction(async (tx) => {
      const environment = await requireEnvironment(tx, input.name);
      const active = await countActiveInEnvironment(tx, environment.id);
      if (active > 0) {
        throw conflict(`Environment "${environment.name}" has ${active} PENDING or IN_PROGRESS deployment(s): finish or cancel them first`);
      }
      const removed = await deleteEnvironment(tx, environment.id);
      await recordAudit(tx, {
        action: 'ENVIRONMENT_DELETED',
        actor: actor.name,
        details: { environmentId: environmentGid(environment.id), name: environment.name, removedDeployments: removed },
      });
      return environment.name;
    });
  }

  /** DEPLOYMENT_OUT_OF_POLICY for each current deployment that was admitted before and is not now. */
  private async raisedOutOfPolicy(tx: Tx, actor: Principal, before: EnvironmentRow, after: EnvironmentRow): Promise<AuditEntry[]> {
    const current = await findCurrentOfEnvironments(tx, [after.id]);
    if (current.length === 0) return [];
    const versions = new Map(
      (
        await findVersionsByIds(
          tx,
          current.map((d) => d.versionId),
        )
      ).map((v) => [v.id, v]),
    );
    const models = new Map(
      (
        await findModelsByIds(
          tx,
          current.map((d) => d.modelId),
        )
      ).map((m) => [m.id, m]),
    );
    return current.flatMap((d) => {
      const version = versions.get(d.versionId);
      if (!version) return [];
      if (!admits(before.requiredStage, version.stage) || admits(after.requiredStage, version.stage)) return [];
      return [
        {
          action: 'DEPLOYMENT_OUT_OF_POLICY',
          actor: actor.name,
          modelName: models.get(d.modelId)?.name ?? null,
          version: version.version,
          details: {
            deploymentId: toGlobalId('Deployment', d.id),
            environment: after.name,
            reason: 'REQUIRED_STAGE_RAISED',
            requiredStage: after.requiredStage,
            previousRequiredStage: before.requiredStage,
            fromStage: version.stage,
            toStage: version.stage,
          },
        },
      ];
    });
  }
}
