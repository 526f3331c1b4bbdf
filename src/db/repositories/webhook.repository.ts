import type { Tx } from '../client';

export type WebhookRow = Awaited<ReturnType<Tx['webhook']['findUniqueOrThrow']>>;

export interface WebhookFields {
  url: string;
  actions: readonly string[];
  modelNames: readonly string[];
}

/** The filter values as rows of WebhookFilter, which the outbox matches in SQL. */
function filterRows(webhookId: number, f: Pick<WebhookFields, 'actions' | 'modelNames'>) {
  return [
    ...f.actions.map((value) => ({ webhookId, field: 'action', value })),
    ...f.modelNames.map((value) => ({ webhookId, field: 'modelName', value })),
  ];
}

export async function insertWebhook(tx: Tx, name: string, fields: WebhookFields, secret: string, createdBy: string): Promise<WebhookRow> {
  const row = await tx.webhook.create({
    data: {
      name,
      url: fields.url,
      secret,
      actions: JSON.stringify(fields.actions),
      modelNames: JSON.stringify(fields.modelNames),
      createdBy,
    },
  });
  const filters = filterRows(row.id, fields);
  if (filters.length) await tx.webhookFilter.createMany({ data: filters });
  return row;
}

export function findWebhookByName(db: Tx, name: string): Promise<WebhookRow | null> {
  return db.webhook.findUnique({ where: { name } });
}

export function findWebhooks(db: Tx): Promise<WebhookRow[]> {
  return db.webhook.findMany({ orderBy: { name: 'asc' } });
}

export function findWebhooksByIds(db: Tx, ids: readonly number[]): Promise<WebhookRow[]> {
  return db.webhook.findMany({ where: { id: { in: [...ids] } } });
}

export interface WebhookChanges {
  url?: string;
  actions?: readonly string[];
  modelNames?: readonly string[];
  active?: boolean;
}

/** Applies the given changes; filters given are replaced as a whole. */
export async function updateWebhookRow(tx: Tx, current: WebhookRow, changes: WebhookChanges): Promise<WebhookRow> {
  const row = await tx.webhook.update({
    where: { id: current.id },
    data: {
      ...(changes.url !== undefined ? { url: changes.url } : {}),
      ...(changes.actions !== undefined ? { actions: JSON.stringify(changes.actions) } : {}),
      ...(changes.modelNames !== undefined ? { modelNames: JSON.stringify(changes.modelNames) } : {}),
      ...(changes.active !== undefined ? { active: changes.active } : {}),
    },
  });
  if (changes.actions !== undefined || changes.modelNames !== undefined) {
    await tx.webhookFilter.deleteMany({ where: { webhookId: current.id } });
    const filters = filterRows(current.id, { actions: webhookActions(row), modelNames: webhookModelNames(row) });
    if (filters.length) await tx.webhookFilter.createMany({ data: filters });
  }
  return row;
}

/** Deletes the webhook with its filters and deliveries (cascade). */
export async function deleteWebhookRow(tx: Tx, id: number): Promise<void> {
  await tx.webhook.delete({ where: { id } });
}

export const webhookActions = (row: Pick<WebhookRow, 'actions'>): string[] => JSON.parse(row.actions) as string[];
export const webhookModelNames = (row: Pick<WebhookRow, 'modelNames'>): string[] => JSON.parse(row.modelNames) as string[];
