import type { Tx } from '../client';
import type { AuditAction, AuditEvent } from '../../domain/audit';
import { Prisma } from '../generated/sqlite/client';
import { isPostgres, sequenceEvents } from './event.repository';
import { insertEventsQueuingDeliveries, queueDeliveries } from './webhook-outbox.repository';

/** An audit event as a change records it (the typed union of domain/audit.ts). */
export type AuditEntry = AuditEvent;

/**
 * Appends audit events: the single seam every audit write goes through. Call it once per
 * change, as the transaction's last write, with the transaction client of the change it
 * records, so the events commit with it. Every audit event is also an event: for subscribers
 * (ids in commit order, readers woken on commit: event.repository.ts) and for webhooks (the
 * deliveries are queued in the same transaction: webhook-outbox.repository.ts).
 */
export async function recordAudit(tx: Tx, ...entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await sequenceEvents(tx);
  if (isPostgres(tx)) {
    // Webhooks: the events' deliveries commit or roll back with them, in the same statement.
    const rows = entries.map(
      (e) => Prisma.sql`(${e.action}, ${e.actor}, ${e.modelName ?? null}, ${e.version ?? null}, ${JSON.stringify(e.details)})`,
    );
    await insertEventsQueuingDeliveries(tx, rows);
    return;
  }
  const events = await tx.auditEvent.createManyAndReturn({
    select: { id: true },
    data: entries.map((e) => ({
      action: e.action,
      actor: e.actor,
      modelName: e.modelName ?? null,
      version: e.version ?? null,
      details: JSON.stringify(e.details),
    })),
  });
  // Webhooks: the events' deliveries commit or roll back with them (one statement).
  await queueDeliveries(
    tx,
    events.map((e) => e.id),
  );
}

export type AuditRow = Awaited<ReturnType<Tx['auditEvent']['findUniqueOrThrow']>>;

export interface AuditFilter {
  modelName?: string | null;
  actions?: readonly AuditAction[] | readonly string[] | null;
  actor?: string | null;
  /** Inclusive. */
  since?: Date | null;
  /** Exclusive. */
  until?: Date | null;
}

export function auditWhere(filter: AuditFilter) {
  const at = {
    ...(filter.since ? { gte: filter.since } : {}),
    ...(filter.until ? { lt: filter.until } : {}),
  };
  return {
    ...(filter.modelName != null ? { modelName: filter.modelName } : {}),
    ...(filter.actions?.length ? { action: { in: [...filter.actions] } } : {}),
    ...(filter.actor != null ? { actor: filter.actor } : {}),
    ...(Object.keys(at).length ? { at } : {}),
  };
}

export function findAuditEvents(db: Tx, args: { where: object; orderBy: object[]; take: number }): Promise<AuditRow[]> {
  return db.auditEvent.findMany(args);
}

export function countAuditEvents(db: Tx, where: object): Promise<number> {
  return db.auditEvent.count({ where });
}

export function findAuditEventsByIds(db: Tx, ids: readonly number[]): Promise<AuditRow[]> {
  return db.auditEvent.findMany({ where: { id: { in: [...ids] } } });
}
