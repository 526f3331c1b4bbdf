import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { canSeePrincipal, Role } from '../../domain/roles';
import type { Context } from '../context';
import { fromGlobalId, type NodeType } from '../../domain/ids';
import { Node } from '../types/node.type';

type NodeFetcher = (ctx: Context, id: number) => Promise<object | null>;

/** How `node(id)` finds each type; a capability registers its types here. */
export const nodeFetchers: Partial<Record<NodeType, NodeFetcher>> = {
  RegisteredModel: (ctx, id) => ctx.loaders.modelById.load(id),
  ModelVersion: (ctx, id) => ctx.loaders.versionById.load(id),
  TransitionRequest: (ctx, id) => ctx.loaders.requestById.load(id),
  AuditEvent: (ctx, id) => ctx.loaders.auditEventById.load(id),
  // Anyone else's key is visible to ADMIN only: null, as if there were none.
  Principal: (ctx, id) => (canSeePrincipal(ctx.principal, id) ? ctx.loaders.principalById.load(id) : Promise.resolve(null)),
};

@Resolver()
export class NodeResolver {
  @Authorized(Role.VIEWER)
  @Query(() => Node, { nullable: true, description: 'Any entity by its global id; null when there is none.' })
  async node(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<object | null> {
    const ref = fromGlobalId(id);
    const fetch = ref && nodeFetchers[ref.type];
    if (!ref || !fetch) return null;
    const row = await fetch(ctx, ref.id);
    return row ? { ...row, __typename: ref.type } : null;
  }
}
