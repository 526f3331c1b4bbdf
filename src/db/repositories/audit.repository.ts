import type { Tx } from '../client';
import { sequenceEvents } from './event.repository';

export interface AuditEntry {
  action: string;
  actor: string;
  modelName?: string | null;
  version?: number | null;
  details?: Record<string, unknown>;
}

/**
 * Appends audit events; call it with the transaction client of the change it records, as the
 * transaction's last write. Every audit event is also an event for subscribers.
 */
export async function recordAudit(tx: Tx, ...entries: AuditEntry[]): Promise<void> {
  // Events: ids in commit order, readers woken on commit (event.repository.ts).
  await sequenceEvents(tx);
  await tx.auditEvent.createMany({
    data: entries.map((e) => ({
      action: e.action,
      actor: e.actor,
      modelName: e.modelName ?? null,
      version: e.version ?? null,
      details: JSON.stringify(e.details ?? {}),
    })),
  });
}

export type AuditRow = Awaited<ReturnType<Tx['auditEvent']['findUniqueOrThrow']>>;

export interface AuditFilter {
  modelName?: string | null;
  actions?: readonly string[] | null;
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
