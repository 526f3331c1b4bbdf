import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { EnvironmentRow } from '../../db/repositories/environment.repository';
import { successRate } from '../../domain/deployments';
import { toGlobalId } from '../../domain/ids';
import { Role } from '../../domain/roles';
import { toConnection } from '../connection';
import type { Context } from '../context';
import {
  CreateEnvironmentInput,
  DeleteEnvironmentInput,
  DeleteEnvironmentPayload,
  DeploymentFilter,
  EnvironmentPayload,
  UpdateEnvironmentInput,
} from '../inputs/deployment.input';
import { pageInMemory } from '../loaders/deployment.loader';
import { DeploymentConnection, DeploymentStats, Environment } from '../types/deployment.type';

@Resolver(() => Environment)
export class EnvironmentResolver {
  @Authorized(Role.VIEWER)
  @Query(() => [Environment], { description: 'Every environment, by name.' })
  async environments(@Ctx() ctx: Context): Promise<EnvironmentRow[]> {
    const rows = await ctx.services.environments.list();
    // Deployments listed under these environments read them from the loader, not the database.
    for (const row of rows) ctx.loaders.environmentById.prime(row.id, row);
    return rows;
  }

  @Authorized(Role.VIEWER)
  @Query(() => Environment, { nullable: true })
  async environment(@Arg('name') name: string, @Ctx() ctx: Context): Promise<EnvironmentRow | null> {
    const row = await ctx.services.environments.find(name);
    if (row) ctx.loaders.environmentById.prime(row.id, row);
    return row;
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => EnvironmentPayload)
  async createEnvironment(@Arg('input') input: CreateEnvironmentInput, @Ctx() ctx: Context) {
    return { environment: await ctx.services.environments.create(ctx.principal!, input) };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => EnvironmentPayload)
  async updateEnvironment(@Arg('input') input: UpdateEnvironmentInput, @Ctx() ctx: Context) {
    return { environment: await ctx.services.environments.update(ctx.principal!, input) };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => DeleteEnvironmentPayload, { description: 'Refused while a deployment there is PENDING or IN_PROGRESS.' })
  async deleteEnvironment(@Arg('input') input: DeleteEnvironmentInput, @Ctx() ctx: Context) {
    return { deletedName: await ctx.services.environments.delete(ctx.principal!, input) };
  }

  @FieldResolver(() => ID)
  id(@Root() environment: EnvironmentRow): string {
    return toGlobalId('Environment', environment.id);
  }

  @FieldResolver(() => DeploymentConnection, { description: "Each model's current deployment here, ordered by model name." })
  async currentDeployments(
    @Root() environment: EnvironmentRow,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    const rows = await ctx.loaders.currentByEnvironment.load(environment.id);
    const query = { kind: `Deployment@current:${environment.id}`, keys: [{ field: 'orderName', direction: 'asc' as const }] };
    return toConnection(pageInMemory(query, rows, first, after), () => rows.length);
  }

  @FieldResolver(() => DeploymentConnection, { description: 'Deployments here, newest first.' })
  async deployments(
    @Root() environment: EnvironmentRow,
    @Arg('filter', () => DeploymentFilter, { nullable: true }) filter: DeploymentFilter | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    const listed = await ctx.loaders.deploymentsOf.load({ kind: 'environment', parentId: environment.id, filter, first, after });
    if (listed instanceof Error) throw listed;
    return toConnection(listed.page, listed.totalCount);
  }

  @FieldResolver(() => DeploymentStats, { description: 'Finished deployments here since `since` (all time when omitted).' })
  async stats(
    @Root() environment: EnvironmentRow,
    @Arg('since', () => Date, { nullable: true }) since: Date | null,
    @Ctx() ctx: Context,
  ): Promise<DeploymentStats> {
    const counts = await ctx.loaders.statsByEnvironment.load({ environmentId: environment.id, since: since ?? null });
    return { ...counts, successRate: successRate(counts) };
  }
}
