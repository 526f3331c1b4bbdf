import type { GraphQLResolveInfo } from 'graphql';
import { withDeletedId } from '../types/deleted.type';
import { Arg, Authorized, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { subfields } from '../selection';
import type { VersionRow } from '../../db/repositories/version.repository';
import { Role } from '../../domain/roles';
import { toConnection } from '../connection';
import type { Context } from '../context';
import { toGlobalId } from '../../domain/ids';
import { stillThere } from './still-there';
import {
  CreateModelVersionInput,
  CreateModelVersionPayload,
  DeleteModelVersionInput,
  DeleteModelVersionPayload,
  DeleteModelVersionTagInput,
  LogModelVersionMetricsInput,
  ModelVersionPayload,
  SetModelVersionTagInput,
  UpdateModelVersionInput,
} from '../inputs/model-version.input';
import { ModelVersionFilter, ModelVersionOrder } from '../inputs/registry-filter.input';
import { Metric, Tag } from '../types/common.type';
import { ModelVersion, ModelVersionConnection } from '../types/model-version.type';
import { RegisteredModel } from '../types/registered-model.type';

@Resolver(() => ModelVersion)
export class ModelVersionResolver {
  @Authorized(Role.VIEWER)
  @Query(() => ModelVersion, { nullable: true, description: 'Exactly one of `version` and `alias` must be given.' })
  async modelVersion(
    @Arg('name') name: string,
    @Arg('version', () => Int, { nullable: true }) version: number | null,
    @Arg('alias', () => String, { nullable: true }) alias: string | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<VersionRow | null> {
    const asked = subfields(info);
    const found = await ctx.services.registry.findVersionWith(
      name,
      { version, alias },
      { metrics: asked.has('metrics'), tags: asked.has('tags') },
      ctx.db,
    );
    if (!found) return null;
    // Read in the same statement: the metrics and tags resolvers find them in their loaders.
    if (found.metrics) ctx.loaders.versionMetrics.prime(found.version.id, found.metrics);
    if (found.tags) ctx.loaders.versionTags.prime(found.version.id, found.tags);
    return found.version;
  }

  @Authorized(Role.VIEWER)
  @Query(() => ModelVersionConnection, {
    description: 'Versions of every model matching every given filter field; by VERSION DESC unless orderBy says otherwise.',
  })
  async modelVersions(
    @Arg('filter', () => ModelVersionFilter, { nullable: true }) filter: ModelVersionFilter | null,
    @Arg('orderBy', () => [ModelVersionOrder], { nullable: true }) orderBy: ModelVersionOrder[] | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    const { page, totalCount } = await ctx.services.registry.searchVersions({ filter, orderBy, first, after }, ctx.db);
    return toConnection(page, totalCount);
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => CreateModelVersionPayload)
  async createModelVersion(@Arg('input') input: CreateModelVersionInput, @Ctx() ctx: Context) {
    return { modelVersion: await ctx.services.versions.create(ctx.principal!, input) };
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => ModelVersionPayload)
  async updateModelVersion(@Arg('input') input: UpdateModelVersionInput, @Ctx() ctx: Context) {
    return { modelVersion: await ctx.services.versions.update(ctx.principal!, input) };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => DeleteModelVersionPayload)
  async deleteModelVersion(@Arg('input') input: DeleteModelVersionInput, @Ctx() ctx: Context) {
    const deleted = await ctx.services.versions.delete(ctx.principal!, input);
    return withDeletedId('ModelVersion', deleted.id, { deletedVersion: deleted.version });
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => ModelVersionPayload)
  async setModelVersionTag(@Arg('input') input: SetModelVersionTagInput, @Ctx() ctx: Context) {
    return { modelVersion: await ctx.services.versions.setTag(ctx.principal!, input) };
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => ModelVersionPayload)
  async deleteModelVersionTag(@Arg('input') input: DeleteModelVersionTagInput, @Ctx() ctx: Context) {
    return { modelVersion: await ctx.services.versions.deleteTag(ctx.principal!, input) };
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => ModelVersionPayload)
  async logModelVersionMetrics(@Arg('input') input: LogModelVersionMetricsInput, @Ctx() ctx: Context) {
    return { modelVersion: await ctx.services.versions.logMetrics(ctx.principal!, input) };
  }

  @FieldResolver(() => ID)
  id(@Root() version: VersionRow): string {
    return toGlobalId('ModelVersion', version.id);
  }

  @FieldResolver(() => RegisteredModel)
  async model(@Root() version: VersionRow, @Ctx() ctx: Context) {
    return stillThere(await ctx.loaders.modelById.load(version.modelId));
  }

  @FieldResolver(() => [Tag])
  tags(@Root() version: VersionRow, @Ctx() ctx: Context) {
    return ctx.loaders.versionTags.load(version.id);
  }

  @FieldResolver(() => [Metric])
  metrics(@Root() version: VersionRow, @Ctx() ctx: Context) {
    return ctx.loaders.versionMetrics.load(version.id);
  }

  @FieldResolver(() => [String], { description: 'The aliases pointing at this version, in alphabetical order.' })
  async aliases(@Root() version: VersionRow, @Ctx() ctx: Context): Promise<string[]> {
    return (await ctx.loaders.versionAliases.load(version.id)).map((a) => a.alias);
  }
}
