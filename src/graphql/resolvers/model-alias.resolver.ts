import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { Role } from '../../domain/roles';
import type { Context } from '../context';
import { stillThere } from './still-there';
import { DeleteModelAliasInput, ModelAliasPayload, SetModelAliasInput } from '../inputs/model-alias.input';
import { ModelAlias } from '../types/model-alias.type';
import { ModelVersion } from '../types/model-version.type';

@Resolver(() => ModelAlias)
export class ModelAliasResolver {
  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => ModelAliasPayload, { description: 'Points the alias at the version; moves it when it pointed elsewhere.' })
  async setModelAlias(@Arg('input') input: SetModelAliasInput, @Ctx() ctx: Context) {
    return { registeredModel: await ctx.services.aliases.set(ctx.principal!, input) };
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => ModelAliasPayload, { description: 'Succeeds, changing nothing, when the alias does not exist.' })
  async deleteModelAlias(@Arg('input') input: DeleteModelAliasInput, @Ctx() ctx: Context) {
    return { registeredModel: await ctx.services.aliases.delete(ctx.principal!, input) };
  }

  @FieldResolver(() => ModelVersion)
  async version(@Root() alias: { versionId: number }, @Ctx() ctx: Context) {
    return stillThere(await ctx.loaders.versionById.load(alias.versionId));
  }
}
