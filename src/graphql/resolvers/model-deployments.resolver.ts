import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { ModelRow } from '../../db/repositories/model.repository';
import type { VersionRow } from '../../db/repositories/version.repository';
import { toConnection } from '../connection';
import type { Context } from '../context';
import { DeploymentFilter } from '../inputs/deployment.input';
import { Deployment, DeploymentConnection } from '../types/deployment.type';
import { ModelVersion } from '../types/model-version.type';
import { RegisteredModel } from '../types/registered-model.type';

/** The deployment fields of RegisteredModel (the registry owns the type and its other fields). */
@Resolver(() => RegisteredModel)
export class RegisteredModelDeploymentsResolver {
  @FieldResolver(() => [Deployment], {
    description: "What runs where: this model's current (last succeeded) deployment in each environment, by environment name.",
  })
  currentDeployments(@Root() model: ModelRow, @Ctx() ctx: Context) {
    return ctx.loaders.currentByModel.load(model.id);
  }

  @FieldResolver(() => DeploymentConnection, { description: "This model's deployments, newest first." })
  async deployments(
    @Root() model: ModelRow,
    @Arg('filter', () => DeploymentFilter, { nullable: true }) filter: DeploymentFilter | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    const listed = await ctx.loaders.deploymentsOf.load({ kind: 'model', parentId: model.id, filter, first, after });
    if (listed instanceof Error) throw listed;
    return toConnection(listed.page, listed.totalCount);
  }
}

/** The deployment fields of ModelVersion. */
@Resolver(() => ModelVersion)
export class ModelVersionDeploymentsResolver {
  @FieldResolver(() => DeploymentConnection, { description: "This version's deployments, newest first." })
  async deployments(
    @Root() version: VersionRow,
    @Arg('filter', () => DeploymentFilter, { nullable: true }) filter: DeploymentFilter | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    const listed = await ctx.loaders.deploymentsOf.load({ kind: 'version', parentId: version.id, filter, first, after });
    if (listed instanceof Error) throw listed;
    return toConnection(listed.page, listed.totalCount);
  }
}
