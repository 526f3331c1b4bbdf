import type { Tx } from '../client';

export function findVersionMetrics(db: Tx, versionIds: readonly number[]) {
  return db.versionMetric.findMany({ where: { versionId: { in: [...versionIds] } }, orderBy: [{ versionId: 'asc' }, { key: 'asc' }] });
}

export async function insertMetrics(tx: Tx, versionId: number, metrics: readonly { key: string; value: number }[]): Promise<void> {
  if (metrics.length) await tx.versionMetric.createMany({ data: metrics.map((m) => ({ versionId, key: m.key, value: m.value })) });
}

/** Logs metrics, replacing existing values; an upsert per key is safe under concurrent logs. */
export async function upsertMetrics(tx: Tx, versionId: number, metrics: readonly { key: string; value: number }[]): Promise<void> {
  for (const m of metrics) {
    await tx.versionMetric.upsert({
      where: { versionId_key: { versionId, key: m.key } },
      create: { versionId, key: m.key, value: m.value },
      update: { value: m.value },
    });
  }
}
