import { GraphQLError } from 'graphql';
import { Arg, Authorized, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { AuditRow } from '../../db/repositories/audit.repository';
import { eventCursor } from '../../domain/events';
import { Role } from '../../domain/roles';
import type { Context } from '../context';
import { RegistryEventFilter } from '../inputs/registry-event-filter.input';
import { AuditEvent } from '../types/audit-event.type';

/** Close code for a subscriber that fell too far behind (graphql-ws leaves 4400-4499 to servers). */
export const CLOSE_TOO_SLOW = 4408;

interface Args {
  filter?: RegistryEventFilter | null;
  after?: string | null;
}

function subscribe({ args, context }: SubscribeResolverData<unknown, Args, Context>): Promise<AsyncIterableIterator<AuditRow>> {
  const connection = context.connection;
  if (!connection) {
    throw new GraphQLError('Subscriptions are served over WebSocket (graphql-transport-ws) at this path', {
      extensions: { code: 'BAD_REQUEST' },
    });
  }
  return context.services.events.subscribe({
    filter: args.filter,
    after: eventCursor(args.after),
    bufferLimit: connection.bufferLimit,
    onOverflow: () => connection.close(CLOSE_TOO_SLOW, 'Subscriber too slow: resume with after'),
  });
}

@Resolver()
export class RegistryEventsResolver {
  @Authorized(Role.VIEWER)
  @Subscription(() => AuditEvent, {
    subscribe,
    description:
      'Every committed change (as an AuditEvent) that passes the filter, in commit order; with `after` (an AuditEvent id), first replays what was committed after it.',
  })
  registryEvents(
    @Root() event: AuditRow,
    @Arg('filter', () => RegistryEventFilter, { nullable: true }) _filter: RegistryEventFilter | null,
    @Arg('after', () => ID, { nullable: true }) _after: string | null,
  ): AuditRow {
    return event;
  }
}
