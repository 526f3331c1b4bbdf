import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { notFound } from '../../domain/errors';
import { Role } from '../../domain/roles';
import type { Decided } from '../../services/governance.service';
import { toConnection } from '../connection';
import { primed } from '../read-your-writes';
import type { Context } from '../context';
import { fromGlobalId } from '../../domain/ids';
import {
  CancelTransitionRequestInput,
  DecideTransitionRequestInput,
  GovernancePolicyPayload,
  RequestStageTransitionInput,
  SetGovernancePolicyInput,
  TransitionModelVersionStageInput,
  TransitionRequestFilter,
  TransitionRequestPayload,
} from '../inputs/governance.input';
import { ModelVersionPayload } from '../inputs/model-version.input';
import { Stage } from '../types/enums';
import { GovernancePolicy } from '../types/governance-policy.type';
import { TransitionRequestConnection } from './transition-request.resolver';

/** The row id of a TransitionRequest global id; anything else names no request (NOT_FOUND). */
function requestId(id: string): number {
  const ref = fromGlobalId(id);
  if (!ref || ref.type !== 'TransitionRequest') throw notFound('No such transition request');
  return ref.id;
}

/** The request's payload, with the version the service holds seeded into the fresh loaders. */
const payload = ({ request, version }: Decided) =>
  primed({ transitionRequest: request }, (loaders) => loaders.versionById.prime(version.id, version));

@Resolver()
export class GovernanceResolver {
  @Authorized(Role.VIEWER)
  @Query(() => TransitionRequestConnection, { description: 'Transition requests of live versions, newest first.' })
  async transitionRequests(
    @Arg('filter', () => TransitionRequestFilter, { nullable: true }) filter: TransitionRequestFilter | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    const listed = await ctx.services.governance.requests(filter ?? {}, first, after);
    return toConnection(listed.page, listed.totalCount);
  }

  @Authorized(Role.VIEWER)
  @Query(() => GovernancePolicy, {
    description: "The policy in force for one target stage: the model's own where it has one, else the default.",
  })
  governancePolicy(
    @Arg('modelName', () => String, { nullable: true }) modelName: string | null,
    @Arg('stage', () => Stage) stage: Stage,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.governance.policyInForce(modelName, stage);
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => TransitionRequestPayload)
  async requestStageTransition(@Arg('input') input: RequestStageTransitionInput, @Ctx() ctx: Context) {
    return payload(await ctx.services.governance.requestTransition(ctx.principal!, input));
  }

  @Authorized(Role.APPROVER)
  @Mutation(() => TransitionRequestPayload)
  async approveTransitionRequest(@Arg('input') input: DecideTransitionRequestInput, @Ctx() ctx: Context) {
    return payload(await ctx.services.governance.approve(ctx.principal!, requestId(input.id), input.comment));
  }

  @Authorized(Role.APPROVER)
  @Mutation(() => TransitionRequestPayload)
  async rejectTransitionRequest(@Arg('input') input: DecideTransitionRequestInput, @Ctx() ctx: Context) {
    return payload(await ctx.services.governance.reject(ctx.principal!, requestId(input.id), input.comment));
  }

  @Authorized(Role.CONTRIBUTOR)
  @Mutation(() => TransitionRequestPayload, { description: 'The requester or an ADMIN cancels a PENDING request.' })
  async cancelTransitionRequest(@Arg('input') input: CancelTransitionRequestInput, @Ctx() ctx: Context) {
    return payload(await ctx.services.governance.cancel(ctx.principal!, requestId(input.id), input.comment));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ModelVersionPayload)
  async transitionModelVersionStage(@Arg('input') input: TransitionModelVersionStageInput, @Ctx() ctx: Context) {
    return { modelVersion: await ctx.services.governance.transitionDirect(ctx.principal!, input) };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => GovernancePolicyPayload)
  async setGovernancePolicy(@Arg('input') input: SetGovernancePolicyInput, @Ctx() ctx: Context) {
    return { policy: await ctx.services.governance.setPolicy(ctx.principal!, input) };
  }
}
