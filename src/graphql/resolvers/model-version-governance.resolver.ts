import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { VersionRow } from '../../db/repositories/version.repository';
import { requestsNewestFirst } from '../../db/repositories/request.repository';
import { toConnection } from '../connection';
import type { Context } from '../context';
import { pageOf } from '../loaders/governance.loader';
import { TransitionRequestStatus } from '../types/enums';
import { ModelVersion } from '../types/model-version.type';
import { StageTransition } from '../types/stage-transition.type';
import { TransitionRequestConnection } from './transition-request.resolver';

/** The governance fields of ModelVersion (the registry owns the type and its other fields). */
@Resolver(() => ModelVersion)
export class ModelVersionGovernanceResolver {
  @FieldResolver(() => TransitionRequestConnection, { description: "This version's transition requests, newest first." })
  async transitionRequests(
    @Root() version: VersionRow,
    @Arg('status', () => [TransitionRequestStatus], { nullable: true }) status: TransitionRequestStatus[] | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    const rows = await ctx.loaders.requestsByVersion.load({ parentId: version.id, status });
    return toConnection(pageOf(requestsNewestFirst(`@version:${version.id}`), rows, first, after), () => rows.length);
  }

  @FieldResolver(() => [StageTransition], { description: 'Every stage change this version went through, oldest first.' })
  stageHistory(@Root() version: VersionRow, @Ctx() ctx: Context) {
    return ctx.loaders.stageHistoryByVersion.load(version.id);
  }
}
