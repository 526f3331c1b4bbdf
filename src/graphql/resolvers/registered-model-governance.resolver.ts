import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { ModelRow } from '../../db/repositories/model.repository';
import { toPolicyView } from '../../services/governance.service';
import { requestsNewestFirst } from '../../db/repositories/request.repository';
import { toConnection } from '../connection';
import type { Context } from '../context';
import { pageOf } from '../loaders/governance.loader';
import { TransitionRequestStatus } from '../types/enums';
import { GovernancePolicy } from '../types/governance-policy.type';
import { RegisteredModel } from '../types/registered-model.type';
import { TransitionRequestConnection } from './transition-request.resolver';

/** The governance fields of RegisteredModel (the registry owns the type and its other fields). */
@Resolver(() => RegisteredModel)
export class RegisteredModelGovernanceResolver {
  @FieldResolver(() => TransitionRequestConnection, { description: "Transition requests of this model's versions, newest first." })
  async transitionRequests(
    @Root() model: ModelRow,
    @Arg('status', () => [TransitionRequestStatus], { nullable: true }) status: TransitionRequestStatus[] | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    const rows = await ctx.loaders.requestsByModel.load({ parentId: model.id, status });
    return toConnection(pageOf(requestsNewestFirst(`@model:${model.id}`), rows, first, after), () => rows.length);
  }

  @FieldResolver(() => [GovernancePolicy], { description: 'The governance policy in force for each target stage of this model.' })
  async policies(@Root() model: ModelRow, @Ctx() ctx: Context) {
    return (await ctx.loaders.policiesByModel.load(model.id)).map((p) => toPolicyView(p, model.name));
  }
}
