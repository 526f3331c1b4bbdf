import type { GraphQLResolveInfo } from 'graphql';
import { withDeletedId } from '../types/deleted.type';
import { Arg, Authorized, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ModelRow } from '../../db/repositories/model.repository';
import type { VersionRow } from '../../db/repositories/version.repository';
import { latestStages } from '../../domain/stages';
import { Role } from '../../domain/roles';
import { toConnection } from '../connection';
import type { Context } from '../context';
import { toGlobalId } from '../../domain/ids';
import {
  CreateRegisteredModelInput,
  CreateRegisteredModelPayload,
  DeleteRegisteredModelInput,
  DeleteRegisteredModelPayload,
  DeleteRegisteredModelTagInput,
  RegisteredModelPayload,
  RenameRegisteredModelInput,
  RenameRegisteredModelPayload,
  SetRegisteredModelTagInput,
  UpdateRegisteredModelInput,
  UpdateRegisteredModelPayload,
} from '../inputs/registered-model.input';
import { ModelVersionFilter, ModelVersionOrder, RegisteredModelFilter, RegisteredModelOrder } from '../inputs/registry-filter.input';
import { aliasKey, childrenOf, isNewestFirstPage, newestFirstPage, numberKey } from '../loaders/registry.loader';
import type { AliasRow, ModelTagRow } from '../../db/repositories/model-children.repository';
import { pageSize } from '../../domain/paging';
import { subfields } from '../selection';
import { Tag } from '../types/common.type';
import { Stage } from '../types/enums';
import { ModelAlias } from '../types/model-alias.type';
import { ModelVersion, ModelVersionConnection } from '../types/model-version.type';
import { RegisteredModel, RegisteredModelConnection } from '../types/registered-model.type';

@Resolver(() => RegisteredModel)
export class RegisteredModelResolver {
  @Authorized(Role.VIEWER)
  @Query(() => RegisteredModel, { nullable: true })
  registeredModel(@Arg('name') name: string, @Ctx() ctx: Context): Promise<ModelRow | null> {
    return ctx.services.registry.findModel(name, ctx.db);
  }

  @Authorized(Role.VIEWER)
  @Query(() => RegisteredModelConnection, {
    description: 'Models matching every given filter field; by NAME ASC unless orderBy says otherwise.',
  })
  async registeredModels(
    @Arg('filter', () => RegisteredModelFilter, { nullable: true }) filter: RegisteredModelFilter | null,
    @Arg('orderBy', () => [RegisteredModelOrder], { nullable: true }) orderBy: RegisteredModelOrder[] | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    const { page, totalCount } = await ctx.services.registry.searchModels({ filter, orderBy, first, after }, ctx.db);
    return toConnection(page, totalCount);
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => CreateRegisteredModelPayload)
  async createRegisteredModel(@Arg('input') input: CreateRegisteredModelInput, @Ctx() ctx: Context) {
    return { registeredModel: await ctx.services.models.create(ctx.principal!, input) };
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => UpdateRegisteredModelPayload)
  async updateRegisteredModel(@Arg('input') input: UpdateRegisteredModelInput, @Ctx() ctx: Context) {
    return { registeredModel: await ctx.services.models.update(ctx.principal!, input) };
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => RenameRegisteredModelPayload)
  async renameRegisteredModel(@Arg('input') input: RenameRegisteredModelInput, @Ctx() ctx: Context) {
    return { registeredModel: await ctx.services.models.rename(ctx.principal!, input) };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => DeleteRegisteredModelPayload)
  async deleteRegisteredModel(@Arg('input') input: DeleteRegisteredModelInput, @Ctx() ctx: Context) {
    const deleted = await ctx.services.models.delete(ctx.principal!, input);
    return withDeletedId('RegisteredModel', deleted.id, { deletedName: deleted.name });
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => RegisteredModelPayload)
  async setRegisteredModelTag(@Arg('input') input: SetRegisteredModelTagInput, @Ctx() ctx: Context) {
    return { registeredModel: await ctx.services.models.setTag(ctx.principal!, input) };
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => RegisteredModelPayload)
  async deleteRegisteredModelTag(@Arg('input') input: DeleteRegisteredModelTagInput, @Ctx() ctx: Context) {
    return { registeredModel: await ctx.services.models.deleteTag(ctx.principal!, input) };
  }

  @FieldResolver(() => ID)
  id(@Root() model: ModelRow): string {
    return toGlobalId('RegisteredModel', model.id);
  }

  @FieldResolver(() => [Tag])
  tags(@Root() model: ModelRow, @Ctx() ctx: Context) {
    return childrenOf<ModelTagRow[]>(ctx.loaders.modelChildren, model.id, 'tags');
  }

  @FieldResolver(() => [ModelAlias])
  aliases(@Root() model: ModelRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return childrenOf<AliasRow[]>(ctx.loaders.modelChildren, model.id, subfields(info).has('version') ? 'aliases+v' : 'aliases');
  }

  @FieldResolver(() => [ModelVersion], { description: 'The newest version in each stage; all stages when `stages` is omitted or empty.' })
  async latestVersions(
    @Root() model: ModelRow,
    @Arg('stages', () => [Stage], { nullable: true }) stages: Stage[] | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<VersionRow[]> {
    const wanted = new Set<string>(latestStages(stages));
    const asked = subfields(info);
    const part = asked.has('metrics') ? (asked.has('tags') ? 'latest+mt' : 'latest+m') : asked.has('tags') ? 'latest+t' : 'latest';
    return (await childrenOf<VersionRow[]>(ctx.loaders.modelChildren, model.id, part)).filter((v) => wanted.has(v.stage));
  }

  @FieldResolver(() => ModelVersion, { nullable: true })
  version(@Root() model: ModelRow, @Arg('number', () => Int) number: number, @Ctx() ctx: Context) {
    return ctx.loaders.versionByNumber.load(numberKey(model.id, number));
  }

  @FieldResolver(() => ModelVersion, { nullable: true })
  async versionByAlias(@Root() model: ModelRow, @Arg('alias') alias: string, @Ctx() ctx: Context) {
    const row = await ctx.loaders.aliasByName.load(aliasKey(model.id, alias));
    return row ? ctx.loaders.versionById.load(row.versionId) : null;
  }

  @FieldResolver(() => ModelVersionConnection, { description: "This model's versions; by VERSION DESC unless orderBy says otherwise." })
  async versions(
    @Root() model: ModelRow,
    @Arg('filter', () => ModelVersionFilter, { nullable: true }) filter: ModelVersionFilter | null,
    @Arg('orderBy', () => [ModelVersionOrder], { nullable: true }) orderBy: ModelVersionOrder[] | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ) {
    const key = { modelId: model.id, filter, orderBy, first, after };
    if (isNewestFirstPage(key)) {
      // The dashboard's shape: its rows and its count come with the model's other children.
      const size = pageSize(first);
      const [rows, count] = await Promise.all([
        childrenOf<VersionRow[]>(ctx.loaders.modelChildren, model.id, `first:${size + 1}`),
        subfields(info).has('totalCount') ? childrenOf<number>(ctx.loaders.modelChildren, model.id, 'count') : null,
      ]);
      return toConnection(newestFirstPage(model.id, size, rows), () =>
        Promise.resolve(count ?? childrenOf<number>(ctx.loaders.modelChildren, model.id, 'count')),
      );
    }
    const page = await ctx.loaders.modelVersionsPage.load(key);
    if (page instanceof Error) throw page;
    return toConnection(page, () => ctx.loaders.modelVersionsCount.load({ modelId: model.id, filter }));
  }
}
