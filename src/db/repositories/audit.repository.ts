import type { Tx } from '../client';

export interface AuditEntry {
  action: string;
  actor: string;
  modelName?: string | null;
  version?: number | null;
  details?: Record<string, unknown>;
}

/** Appends audit events; call it with the transaction client of the change it records. */
export async function recordAudit(tx: Tx, ...entries: AuditEntry[]): Promise<void> {
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
