import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ModelRow } from '../../db/repositories/model.repository';
import { Role } from '../../domain/roles';
import type { Context } from '../context';
import { toGlobalId } from '../ids';
import { CreateRegisteredModelInput, CreateRegisteredModelPayload } from '../inputs/registered-model.input';
import { Tag } from '../types/common.type';
import { RegisteredModel } from '../types/registered-model.type';

@Resolver(() => RegisteredModel)
export class RegisteredModelResolver {
  @Authorized(Role.VIEWER)
  @Query(() => RegisteredModel, { nullable: true })
  registeredModel(@Arg('name') name: string, @Ctx() ctx: Context): Promise<ModelRow | null> {
    return ctx.services.registry.findModel(name);
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => CreateRegisteredModelPayload)
  async createRegisteredModel(@Arg('input') input: CreateRegisteredModelInput, @Ctx() ctx: Context) {
    return { registeredModel: await ctx.services.registry.createModel(ctx.principal!, input) };
  }

  @FieldResolver(() => ID)
  id(@Root() model: ModelRow): string {
    return toGlobalId('RegisteredModel', model.id);
  }

  @FieldResolver(() => [Tag])
  tags(@Root() model: ModelRow, @Ctx() ctx: Context) {
    return ctx.loaders.modelTags.load(model.id);
  }
}
