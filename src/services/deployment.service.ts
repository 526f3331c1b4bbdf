import type { Database, Tx } from '../db/client';
import { pageArgs, toPage, type KeysetQuery } from '../db/keyset';
import { recordAudit } from '../db/repositories/audit.repository';
import {
  countDeployments,
  deploymentWhere,
  findActive,
  findCurrent,
  findDeployment,
  findDeploymentAnyVersion,
  findDeployments,
  findVersionForDeployment,
  insertDeployment,
  moveDeployment,
  type DeploymentFilter,
  type DeploymentRow,
} from '../db/repositories/deployment.repository';
import { findModelsByIds, lockModelRow, type ModelRow } from '../db/repositories/model.repository';
import { findEnvironmentsByIds, type EnvironmentRow } from '../db/repositories/environment.repository';
import {
  decideCancel,
  decideReport,
  decideStart,
  validateConfig,
  validateEndpointUrl,
  validateMessage,
  validateReportedStatus,
  type DeploymentStatus,
} from '../domain/deployments';
import type { AuditEventOf } from '../domain/audit';
import { conflict, notFound } from '../domain/errors';
import { toGlobalId } from '../domain/ids';
import { validateText } from '../domain/names';
import { pageSize, type Listing } from '../domain/paging';
import type { Principal } from '../domain/roles';
import { requireEnvironment } from './environment.service';
import { isUniqueViolation } from './errors';
import { requireModel } from './lookup';

export interface StartDeploymentInput {
  name: string;
  version: number;
  environment: string;
  config?: string | null;
}

export interface ReportStatusInput {
  status: DeploymentStatus;
  message?: string | null;
  endpointUrl?: string | null;
}

/** Told after a deployment entered a status and its transaction committed (metrics). */
export type DeploymentListener = (environment: string, status: DeploymentStatus) => void;

/** Deployments list newest first; the id breaks ties. */
export const DEPLOYMENTS_NEWEST_FIRST: KeysetQuery = {
  kind: 'Deployment',
  keys: [{ field: 'createdAt', direction: 'desc' }],
  dateFields: new Set(['createdAt']),
};

const deploymentGid = (id: number) => toGlobalId('Deployment', id);

/** The event of a status change, without who, which model and which version (changeStatus adds them). */
type StatusEvent =
  Pick<AuditEventOf<'DEPLOYMENT_STATUS_REPORTED'>, 'action' | 'details'> | Pick<AuditEventOf<'DEPLOYMENT_CANCELLED'>, 'action' | 'details'>;

/**
 * Deploy pipelines' use cases (semantics §3, Deployments). Each runs in one transaction that
 * first locks the model's row, as governance does, so the stage gate is decided on the stage a
 * concurrent approval leaves, and a model has one active deployment per environment.
 */
export class DeploymentService {
  private readonly listeners: DeploymentListener[] = [];

  constructor(private readonly db: Database) {}

  onStatus(listener: DeploymentListener): void {
    this.listeners.push(listener);
  }

  private told<T extends { environment: string; status: DeploymentStatus }>(result: T): T {
    for (const listener of this.listeners) listener(result.environment, result.status);
    return result;
  }

  async start(actor: Principal, input: StartDeploymentInput): Promise<DeploymentRow> {
    const config = validateConfig(input.config);
    const { deployment, environment } = await this.db.prisma.$transaction(async (tx) => {
      const model = await requireModel(tx, input.name);
      const version = await findVersionForDeployment(tx, { modelId: model.id, version: input.version });
      if (!version) throw notFound(`No version ${input.version} of registered model "${input.name}"`);
      const environment = await requireEnvironment(tx, input.environment);
      const deployment = await this.insert(tx, { actor, model, version, environment, config, rollbackOf: null });
      await recordAudit(tx, {
        action: 'DEPLOYMENT_STARTED',
        actor: actor.name,
        modelName: model.name,
        version: version.version,
        details: {
          deploymentId: deploymentGid(deployment.id),
          environment: environment.name,
          stage: version.stage,
          config: JSON.parse(config),
        },
      });
      return { deployment, environment };
    });
    return this.told({ deployment, environment: environment.name, status: 'PENDING' as const }).deployment;
  }

  async report(actor: Principal, id: number, input: ReportStatusInput): Promise<DeploymentRow> {
    const status = validateReportedStatus(input.status);
    const message = validateMessage(input.message);
    const endpointUrl = validateEndpointUrl(input.endpointUrl);
    return this.changeStatus(
      id,
      (row) => decideReport(row, actor, status),
      { status, message, endpointUrl },
      ({ row, environment, replaced }) => ({
        action: 'DEPLOYMENT_STATUS_REPORTED',
        details: {
          deploymentId: deploymentGid(row.id),
          environment: environment.name,
          fromStatus: row.status,
          status,
          message,
          endpointUrl,
          replacedDeploymentId: replaced ? deploymentGid(replaced.id) : null,
        },
      }),
      actor,
    );
  }

  async cancel(actor: Principal, id: number, commentInput?: string | null): Promise<DeploymentRow> {
    const comment = validateText(commentInput, 'comment');
    return this.changeStatus(
      id,
      (row) => decideCancel(row, actor),
      { status: 'CANCELLED' },
      ({ row, environment }) => ({
        action: 'DEPLOYMENT_CANCELLED',
        details: {
          deploymentId: deploymentGid(row.id),
          environment: environment.name,
          fromStatus: row.status,
          reason: 'CANCELLED',
          comment,
        },
      }),
      actor,
    );
  }

  /**
   * A deployment's status change: read it under its model's lock, let the domain check it, move
   * it, and record the event `event` describes, all in one transaction; then tell the listeners.
   */
  private async changeStatus(
    id: number,
    decide: (row: DeploymentRow) => void,
    change: { status: DeploymentStatus; message?: string | null; endpointUrl?: string | null },
    event: (moved: { row: DeploymentRow; environment: EnvironmentRow; replaced: DeploymentRow | null }) => StatusEvent,
    actor: Principal,
  ): Promise<DeploymentRow> {
    const result = await this.db.prisma.$transaction(async (tx) => {
      const { row, model, environment } = await this.locked(tx, id);
      decide(row);
      const { deployment, replaced } = await moveDeployment(tx, row, { ...change, at: new Date() });
      const version = await findVersionForDeployment(tx, { id: row.versionId });
      const where = { actor: actor.name, modelName: model.name, version: version?.version ?? null };
      await recordAudit(tx, { ...where, ...event({ row, environment, replaced }) });
      return { deployment, environment: environment.name, status: change.status };
    });
    return this.told(result).deployment;
  }

  /**
   * Starts a deployment of the version that was current before the current one, with its
   * config, `rollbackOf` the current one; under rule 1 like any start.
   */
  async rollback(actor: Principal, input: { name: string; environment: string; comment?: string | null }): Promise<DeploymentRow> {
    const comment = validateText(input.comment, 'comment');
    const { deployment, environment } = await this.db.prisma.$transaction(async (tx) => {
      const model = await requireModel(tx, input.name);
      const environment = await requireEnvironment(tx, input.environment);
      const current = await findCurrent(tx, model.id, environment.id);
      if (!current) throw conflict(`Model "${model.name}" has no current deployment in "${environment.name}" to roll back`);
      const previous = current.previousId === null ? null : await findDeploymentAnyVersion(tx, current.previousId);
      if (!previous) throw conflict(`Model "${model.name}" has no earlier successful deployment in "${environment.name}" to roll back to`);
      const version = (await findVersionForDeployment(tx, { id: previous.versionId }))!;
      const deployment = await this.insert(tx, { actor, model, version, environment, config: previous.config, rollbackOf: current.id });
      const from = await findVersionForDeployment(tx, { id: current.versionId });
      await recordAudit(tx, {
        action: 'DEPLOYMENT_ROLLED_BACK',
        actor: actor.name,
        modelName: model.name,
        version: version.version,
        details: {
          deploymentId: deploymentGid(deployment.id),
          environment: environment.name,
          rollbackOf: deploymentGid(current.id),
          fromVersion: from?.version ?? null,
          toVersion: version.version,
          comment,
        },
      });
      return { deployment, environment };
    });
    return this.told({ deployment, environment: environment.name, status: 'PENDING' as const }).deployment;
  }

  /** Query.deployments: visible deployments matching the filter, newest first. */
  async list(filter: DeploymentFilter, first?: number | null, after?: string | null): Promise<Listing<DeploymentRow>> {
    const page = { first: pageSize(first), after };
    const where = deploymentWhere(filter);
    const rows = await findDeployments(this.db.prisma, pageArgs(DEPLOYMENTS_NEWEST_FIRST, page, where));
    return { page: toPage(DEPLOYMENTS_NEWEST_FIRST, page, rows), totalCount: () => countDeployments(this.db.prisma, where) };
  }

  /** Rule 1's checks and the insert; the unique active slot backs the check if the lock ever did not. */
  private async insert(
    tx: Tx,
    args: {
      actor: Principal;
      model: ModelRow;
      version: NonNullable<Awaited<ReturnType<typeof findVersionForDeployment>>>;
      environment: EnvironmentRow;
      config: string;
      rollbackOf: number | null;
    },
  ): Promise<DeploymentRow> {
    const { model, version, environment } = args;
    const active = await findActive(tx, model.id, environment.id);
    decideStart({
      version: { version: version.version, stage: version.stage, status: version.status, deleted: version.deletedAt !== null },
      environment,
      activeDeploymentId: active ? deploymentGid(active.id) : null,
    });
    try {
      return await insertDeployment(tx, {
        environmentId: environment.id,
        modelId: model.id,
        versionId: version.id,
        config: args.config,
        startedBy: args.actor.name,
        rollbackOfId: args.rollbackOf,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A deployment of this model to "${environment.name}" is already PENDING or IN_PROGRESS`);
      throw error;
    }
  }

  /** A visible deployment under its model's lock, re-read after the lock; NOT_FOUND otherwise. */
  private async locked(tx: Tx, id: number) {
    const first = await findDeployment(tx, id);
    if (!first) throw notFound('No such deployment');
    await lockModelRow(tx, first.modelId);
    const row = await findDeployment(tx, id);
    if (!row) throw notFound('No such deployment');
    const [model] = await findModelsByIds(tx, [row.modelId]);
    const [environment] = await findEnvironmentsByIds(tx, [row.environmentId]);
    return { row, model, environment };
  }
}
