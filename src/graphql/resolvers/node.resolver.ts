import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { canSeePrincipal, requireRole, Role } from '../../domain/roles';
import type { Context } from '../context';
import { fromGlobalId, type NodeType } from '../../domain/ids';
import { Node } from '../types/node.type';
import { badInput } from '../../domain/errors';

/** The most ids one `nodes` call may ask for: a page's worth, like `first`. */
const MAX_NODES = 100;

type NodeFetcher = (ctx: Context, id: number) => Promise<object | null>;

/** How `node(id)` finds each type; a capability registers its types here. */
export const nodeFetchers: Partial<Record<NodeType, NodeFetcher>> = {
  RegisteredModel: (ctx, id) => ctx.loaders.modelById.load(id),
  ModelVersion: (ctx, id) => ctx.loaders.versionById.load(id),
  TransitionRequest: (ctx, id) => ctx.loaders.requestById.load(id),
  AuditEvent: (ctx, id) => ctx.loaders.auditEventById.load(id),
  // Anyone else's key is visible to ADMIN only: null, as if there were none.
  Principal: (ctx, id) => (canSeePrincipal(ctx.principal, id) ? ctx.loaders.principalById.load(id) : Promise.resolve(null)),
  Environment: (ctx, id) => ctx.loaders.environmentById.load(id),
  Deployment: (ctx, id) => ctx.loaders.deploymentById.load(id),
  // Webhooks are ADMIN's, however they are reached.
  Webhook: (ctx, id) => (requireRole(ctx.principal, Role.ADMIN), ctx.loaders.webhookById.load(id)),
  WebhookDelivery: (ctx, id) => (requireRole(ctx.principal, Role.ADMIN), ctx.loaders.deliveryById.load(id)),
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

  @Authorized(Role.VIEWER)
  @Query(() => [Node], {
    nullable: 'items',
    description: `Entities by global id, in the order asked, null where there is none; at most ${MAX_NODES} ids. Loads of one type are batched.`,
  })
  async nodes(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: Context): Promise<(object | null)[]> {
    if (ids.length > MAX_NODES)
      throw badInput(`ids may list at most ${MAX_NODES} ids, got ${ids.length}`, { field: 'ids', max: MAX_NODES });
    // All loads start in one tick, so each type's DataLoader fetches its ids in one statement.
    return Promise.all(ids.map((id) => this.node(id, ctx)));
  }
}
