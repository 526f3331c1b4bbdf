import type { Tx } from '../client';
import { signalEventsWritten } from '../event-signal';
import type { AuditRow } from './audit.repository';

/** The channel that tells every gateway process that events were committed. */
export const EVENTS_CHANNEL = 'modelgate_events';
/** The key of the transaction-level advisory lock that orders event ids (sequenceEvents). */
export const EVENT_ORDER_LOCK = `hashtextextended('modelgate.audit_events', 0)`;

/**
 * Makes the ids of audit events follow commit order, and wakes the readers; called by
 * recordAudit right before it inserts, as the transaction's last lock.
 *
 * PostgreSQL hands out sequence values at insert time, so without this a transaction could
 * take id 10, commit after the one that took id 11, and a reader that already moved past 11
 * would never see 10. The transaction-level advisory lock makes event-writing transactions
 * take their ids one at a time and holds the lock until commit (or rollback): every id handed
 * out after a commit is greater than the ids of that commit, and at any moment the committed
 * ids form a prefix up to the largest visible one (rolled-back ids leave gaps, never holes
 * that fill later). So a reader that remembers the last id it read and asks for `id > last`
 * misses nothing and sees nothing twice. pg_notify in the same statement wakes the other
 * processes; PostgreSQL delivers it only if the transaction commits. One extra statement per
 * event-writing transaction. Writes that touch rows already serialize on their model's row
 * lock; this lock is taken after those (recordAudit comes last), so it adds no deadlock, and
 * it is held only for the last inserts and the commit. (The alternative, an xid8 snapshot
 * watermark, lets writers run fully in parallel but needs a column on every event and readers
 * that hold back behind the oldest transaction in flight: more moving parts for a registry
 * whose writes are a few per second.)
 *
 * SQLite has a single writer: ids are commit order already; the reader is woken in process.
 */
export async function sequenceEvents(tx: Tx): Promise<void> {
  if (isPostgres(tx)) {
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${EVENT_ORDER_LOCK}), pg_notify($1, '')`, EVENTS_CHANNEL);
  } else {
    signalEventsWritten();
  }
}

/** Prisma's client (and its transaction client) names the provider it was generated for. */
export function isPostgres(tx: Tx): boolean {
  const provider = (tx as unknown as { _activeProvider?: string })._activeProvider;
  if (provider !== 'postgresql' && provider !== 'sqlite') throw new Error(`Unknown Prisma provider ${String(provider)}`);
  return provider === 'postgresql';
}

/** Every committed event after `after`, in commit (= id) order. */
export function findEventsAfter(db: Tx, after: number, take: number): Promise<AuditRow[]> {
  return db.auditEvent.findMany({ where: { id: { gt: after } }, orderBy: { id: 'asc' }, take });
}

/** A replay page: matching events with after < id <= upTo, in order. */
export function findMatchingEvents(
  db: Tx,
  range: { after: number; upTo: number },
  filter: { modelNames: readonly string[] | null; actions: readonly string[] | null },
  take: number,
): Promise<AuditRow[]> {
  return db.auditEvent.findMany({
    where: {
      id: { gt: range.after, lte: range.upTo },
      ...(filter.modelNames ? { modelName: { in: [...filter.modelNames] } } : {}),
      ...(filter.actions ? { action: { in: [...filter.actions] } } : {}),
    },
    orderBy: { id: 'asc' },
    take,
  });
}

/** The id of the newest committed event, 0 when there is none. */
export async function latestEventId(db: Tx): Promise<number> {
  const row = await db.auditEvent.findFirst({ select: { id: true }, orderBy: { id: 'desc' } });
  return row?.id ?? 0;
}
