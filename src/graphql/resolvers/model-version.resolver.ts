import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { VersionRow } from '../../db/repositories/version.repository';
import { Role } from '../../domain/roles';
import type { Context } from '../context';
import { toGlobalId } from '../ids';
import { CreateModelVersionInput, CreateModelVersionPayload } from '../inputs/model-version.input';
import { ModelVersion } from '../types/model-version.type';
import { RegisteredModel } from '../types/registered-model.type';

@Resolver(() => ModelVersion)
export class ModelVersionResolver {
  @Authorized(Role.VIEWER)
  @Query(() => ModelVersion, { nullable: true, description: 'Exactly one of `version` and `alias` must be given.' })
  modelVersion(
    @Arg('name') name: string,
    @Arg('version', () => Int, { nullable: true }) version: number | null,
    @Arg('alias', () => String, { nullable: true }) alias: string | null,
    @Ctx() ctx: Context,
  ): Promise<VersionRow | null> {
    return ctx.services.registry.findVersion(name, { version, alias });
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => CreateModelVersionPayload)
  async createModelVersion(@Arg('input') input: CreateModelVersionInput, @Ctx() ctx: Context) {
    return { modelVersion: await ctx.services.registry.createVersion(ctx.principal!, input) };
  }

  @FieldResolver(() => ID)
  id(@Root() version: VersionRow): string {
    return toGlobalId('ModelVersion', version.id);
  }

  @FieldResolver(() => RegisteredModel)
  async model(@Root() version: VersionRow, @Ctx() ctx: Context) {
    return ctx.loaders.modelById.load(version.modelId);
  }
}
