import type { Tx } from '../client';
import type { AuditAction, AuditEvent } from '../../domain/audit';

/** An audit event as a change records it (the typed union of domain/audit.ts). */
export type AuditEntry = AuditEvent;

/**
 * Appends audit events: the single seam every audit write goes through. Call it once per
 * change, with the transaction client of the change it records, so the events commit with it.
 */
export async function recordAudit(tx: Tx, ...entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.auditEvent.createMany({
    data: entries.map((e) => ({
      action: e.action,
      actor: e.actor,
      modelName: e.modelName ?? null,
      version: e.version ?? null,
      details: JSON.stringify(e.details),
    })),
  });
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
