import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ANONYMOUS, Role, type Principal as PrincipalValue } from '../../domain/roles';
import type { Context } from '../context';
import { toGlobalId } from '../../domain/ids';
import { CreateApiKeyInput, CreateApiKeyPayload, RevokeApiKeyInput, RevokeApiKeyPayload } from '../inputs/api-key.input';
import { Principal } from '../types/principal.type';

@Resolver(() => Principal)
export class ApiKeyResolver {
  @Authorized(Role.VIEWER)
  @Query(() => Principal, { nullable: true, description: 'The principal whose token sent this request; null for an anonymous reader.' })
  viewer(@Ctx() ctx: Context): PrincipalValue | null {
    return ctx.principal && ctx.principal.id !== ANONYMOUS.id ? ctx.principal : null;
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => CreateApiKeyPayload)
  createApiKey(@Arg('input') input: CreateApiKeyInput, @Ctx() ctx: Context) {
    return ctx.services.apiKeys.create(ctx.principal!, input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => RevokeApiKeyPayload, {
    description: 'The token is refused from the next request on. The last active ADMIN key cannot be revoked.',
  })
  async revokeApiKey(@Arg('input') input: RevokeApiKeyInput, @Ctx() ctx: Context) {
    const revoked = await ctx.services.apiKeys.revoke(ctx.principal!, input.name);
    return { revokedName: revoked.name, revokedId: toGlobalId('Principal', revoked.id) };
  }

  @FieldResolver(() => ID)
  id(@Root() principal: PrincipalValue): string {
    return toGlobalId('Principal', principal.id);
  }
}
