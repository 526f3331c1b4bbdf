import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { DeploymentRow } from '../../db/repositories/deployment.repository';
import { admits } from '../../domain/deployments';
import { notFound } from '../../domain/errors';
import { fromGlobalId, toGlobalId } from '../../domain/ids';
import { Role } from '../../domain/roles';
import { toConnection } from '../connection';
import type { Context } from '../context';
import {
  CancelDeploymentInput,
  DeploymentFilter,
  DeploymentPayload,
  ReportDeploymentStatusInput,
  RollbackDeploymentInput,
  StartDeploymentInput,
} from '../inputs/deployment.input';
import { Deployment, DeploymentConnection, Environment } from '../types/deployment.type';
import { ModelVersion } from '../types/model-version.type';
import { stillThere } from './still-there';

/** The row id of a Deployment global id; anything else names no deployment (NOT_FOUND). */
function deploymentId(id: string): number {
  const ref = fromGlobalId(id);
  if (!ref || ref.type !== 'Deployment') throw notFound('No such deployment');
  return ref.id;
}

const payload = (deployment: DeploymentRow) => ({ deployment });

@Resolver(() => Deployment)
export class DeploymentResolver {
  @Authorized(Role.VIEWER)
  @Query(() => DeploymentConnection, { description: 'Deployments matching every given filter field, newest first.' })
  async deployments(
    @Arg('filter', () => DeploymentFilter, { nullable: true }) filter: DeploymentFilter | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    const listed = await ctx.services.deployments.list(filter ?? {}, first, after);
    return toConnection(listed.page, listed.totalCount);
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => DeploymentPayload, { description: 'Records a PENDING deployment of a version whose stage the environment admits.' })
  async startDeployment(@Arg('input') input: StartDeploymentInput, @Ctx() ctx: Context) {
    return payload(await ctx.services.deployments.start(ctx.principal!, input));
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => DeploymentPayload, { description: 'The starter or an ADMIN reports IN_PROGRESS, SUCCEEDED or FAILED.' })
  async reportDeploymentStatus(@Arg('input') input: ReportDeploymentStatusInput, @Ctx() ctx: Context) {
    return payload(await ctx.services.deployments.report(ctx.principal!, deploymentId(input.id), input));
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => DeploymentPayload, { description: 'The starter or an ADMIN cancels a PENDING or IN_PROGRESS deployment.' })
  async cancelDeployment(@Arg('input') input: CancelDeploymentInput, @Ctx() ctx: Context) {
    return payload(await ctx.services.deployments.cancel(ctx.principal!, deploymentId(input.id), input.comment));
  }

  @Authorized(Role.APPROVER)
  @Mutation(() => DeploymentPayload, {
    description: 'Starts a deployment of the version that was current before the current one, with its config.',
  })
  async rollbackDeployment(@Arg('input') input: RollbackDeploymentInput, @Ctx() ctx: Context) {
    return payload(await ctx.services.deployments.rollback(ctx.principal!, input));
  }

  @FieldResolver(() => ID)
  id(@Root() deployment: DeploymentRow): string {
    return toGlobalId('Deployment', deployment.id);
  }

  @FieldResolver(() => Environment)
  async environment(@Root() deployment: DeploymentRow, @Ctx() ctx: Context) {
    return stillThere(await ctx.loaders.environmentById.load(deployment.environmentId));
  }

  @FieldResolver(() => ModelVersion)
  async modelVersion(@Root() deployment: DeploymentRow, @Ctx() ctx: Context) {
    return stillThere(await ctx.loaders.versionById.load(deployment.versionId));
  }

  @FieldResolver(() => Boolean, { description: "True for the model's last SUCCEEDED deployment in this environment." })
  isCurrent(@Root() deployment: DeploymentRow): boolean {
    return deployment.currentKey !== null;
  }

  @FieldResolver(() => Boolean, {
    description: "True when the version no longer satisfies the environment's required stage (computed on read).",
  })
  async outOfPolicy(@Root() deployment: DeploymentRow, @Ctx() ctx: Context): Promise<boolean> {
    const [environment, version] = await Promise.all([
      ctx.loaders.environmentById.load(deployment.environmentId),
      ctx.loaders.versionById.load(deployment.versionId),
    ]);
    return !admits(stillThere(environment).requiredStage, stillThere(version).stage);
  }

  @FieldResolver(() => Deployment, { nullable: true, description: 'The deployment this one rolled back, for a rollback.' })
  rollbackOf(@Root() deployment: DeploymentRow, @Ctx() ctx: Context) {
    return deployment.rollbackOfId === null ? null : ctx.loaders.deploymentById.load(deployment.rollbackOfId);
  }
}
