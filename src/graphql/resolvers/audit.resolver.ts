import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { AuditRow } from '../../db/repositories/audit.repository';
import { Role } from '../../domain/roles';
import { Connection, toConnection } from '../connection';
import type { Context } from '../context';
import { toGlobalId } from '../../domain/ids';
import { AuditEventFilter, AuditEventOrder } from '../inputs/governance.input';
import { AuditEvent } from '../types/audit-event.type';

const AuditEventConnection = Connection(AuditEvent);

@Resolver(() => AuditEvent)
export class AuditResolver {
  @Authorized(Role.VIEWER)
  @Query(() => AuditEventConnection, { description: 'The audit log; newest first (AT DESC) unless orderBy says otherwise.' })
  async auditEvents(
    @Arg('filter', () => AuditEventFilter, { nullable: true }) filter: AuditEventFilter | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
    @Arg('orderBy', () => [AuditEventOrder], { nullable: true }) orderBy: AuditEventOrder[] | null,
  ) {
    const listed = await ctx.services.governance.auditEvents(filter ?? {}, first, after, orderBy);
    return toConnection(listed.page, listed.totalCount);
  }

  @FieldResolver(() => ID)
  id(@Root() event: AuditRow): string {
    return toGlobalId('AuditEvent', event.id);
  }
}
