import { Ctx, FieldResolver, ID, Resolver, Root } from 'type-graphql';
import type { RequestRow, StageTransitionRow } from '../../db/repositories/request.repository';
import { Connection } from '../connection';
import type { Context } from '../context';
import { toGlobalId } from '../../domain/ids';
import { ModelVersion } from '../types/model-version.type';
import { StageTransition } from '../types/stage-transition.type';
import { ApprovalDecision, TransitionRequest } from '../types/transition-request.type';

export const TransitionRequestConnection = Connection(TransitionRequest);

@Resolver(() => TransitionRequest)
export class TransitionRequestResolver {
  @FieldResolver(() => ID)
  id(@Root() request: RequestRow): string {
    return toGlobalId('TransitionRequest', request.id);
  }

  @FieldResolver(() => ModelVersion)
  modelVersion(@Root() request: RequestRow, @Ctx() ctx: Context) {
    return ctx.loaders.versionById.load(request.versionId);
  }

  @FieldResolver(() => [ApprovalDecision], { description: 'Oldest first.' })
  decisions(@Root() request: RequestRow, @Ctx() ctx: Context) {
    return ctx.loaders.decisionsByRequest.load(request.id);
  }
}

@Resolver(() => StageTransition)
export class StageTransitionResolver {
  @FieldResolver(() => TransitionRequest, {
    nullable: true,
    description: 'The request whose approval applied this change; null for a direct transition or an automatic archive.',
  })
  request(@Root() change: StageTransitionRow, @Ctx() ctx: Context) {
    return change.requestId === null ? null : ctx.loaders.requestById.load(change.requestId);
  }
}
