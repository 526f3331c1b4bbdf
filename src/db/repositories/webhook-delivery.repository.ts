import type { Provider, Tx } from '../client';
import { Prisma } from '../generated/sqlite/client';
import type { PageRequest, Page } from '../../domain/paging';
import { pageArgs, toPage, type KeysetQuery } from '../keyset';

export type DeliveryRow = Awaited<ReturnType<Tx['webhookDelivery']['findUniqueOrThrow']>>;
export type DeliveryStatus = DeliveryRow['status'];

/** Due: waiting for its first attempt or a retry, and its time has come. */
const DUE_STATUSES: DeliveryStatus[] = ['PENDING', 'FAILED'];

/**
 * Leases up to `limit` active webhooks that have due deliveries and no live lease, for this
 * dispatcher (`owner`) until `until`. The lease holder alone sends a webhook's deliveries, one
 * at a time in queue order, so first attempts go out in commit order and no attempt is sent by
 * two processes. On PostgreSQL the candidates are locked FOR NO KEY UPDATE SKIP LOCKED (the
 * SKIP LOCKED queue pattern; NO KEY, because writes queueing new deliveries hold key-share locks
 * on their webhooks, and FOR UPDATE would skip a busy webhook for as long as writes keep
 * coming): dispatchers of several gateway processes never wait for each other, and a row
 * leased by one between the other's snapshot and its lock is re-checked (and skipped) rather
 * than leased twice. SQLite runs one write at a time, so the same UPDATE needs no lock clause.
 */
export async function leaseDueWebhooks(
  db: Tx,
  provider: Provider,
  args: { owner: string; now: Date; until: Date; limit: number },
): Promise<number[]> {
  const lock = provider === 'postgres' ? Prisma.sql`FOR NO KEY UPDATE SKIP LOCKED` : Prisma.empty;
  const rows = await db.$queryRaw<{ id: number | bigint }[]>`
    UPDATE "Webhook" SET "leaseOwner" = ${args.owner}, "leaseUntil" = ${args.until}
    WHERE "id" IN (
      SELECT w."id" FROM "Webhook" w
      WHERE w."active" = TRUE AND (w."leaseUntil" IS NULL OR w."leaseUntil" < ${args.now})
        AND EXISTS (SELECT 1 FROM "WebhookDelivery" d
          WHERE d."webhookId" = w."id" AND d."status" IN ('PENDING', 'FAILED') AND d."nextAttemptAt" <= ${args.now})
      ORDER BY w."id"
      LIMIT ${args.limit}
      ${lock})
    RETURNING "id"`;
  return rows.map((r) => Number(r.id));
}

/** Extends this dispatcher's lease; false when it lost it (expired and taken over, or the webhook is gone). */
export async function renewWebhookLease(db: Tx, id: number, owner: string, until: Date): Promise<boolean> {
  const count = await db.$executeRaw`UPDATE "Webhook" SET "leaseUntil" = ${until} WHERE "id" = ${id} AND "leaseOwner" = ${owner}`;
  return count === 1;
}

export async function releaseWebhookLease(db: Tx, id: number, owner: string): Promise<void> {
  await db.$executeRaw`UPDATE "Webhook" SET "leaseOwner" = NULL, "leaseUntil" = NULL WHERE "id" = ${id} AND "leaseOwner" = ${owner}`;
}

/** A webhook's due deliveries in queue order (the order their events committed). */
export function findDueDeliveries(db: Tx, webhookId: number, now: Date, limit: number): Promise<DeliveryRow[]> {
  return db.webhookDelivery.findMany({
    where: { webhookId, status: { in: DUE_STATUSES }, nextAttemptAt: { lte: now } },
    orderBy: { id: 'asc' },
    take: limit,
  });
}

export interface AttemptRecord {
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  at: Date;
  statusCode: number | null;
  error: string | null;
}

/**
 * Records an attempt on a delivery that is still as it was read (same attempt count, still due):
 * false when another dispatcher recorded it first, which only a lost lease allows.
 */
export async function recordAttempt(db: Tx, delivery: Pick<DeliveryRow, 'id' | 'attempts'>, attempt: AttemptRecord): Promise<boolean> {
  const { count } = await db.webhookDelivery.updateMany({
    where: { id: delivery.id, attempts: delivery.attempts, status: { in: DUE_STATUSES } },
    data: {
      attempts: delivery.attempts + 1,
      status: attempt.status,
      nextAttemptAt: attempt.nextAttemptAt,
      lastAttemptAt: attempt.at,
      lastStatusCode: attempt.statusCode,
      lastError: attempt.error,
    },
  });
  return count === 1;
}

export const deliveriesQuery = (webhookId: number): KeysetQuery => ({
  kind: `WebhookDelivery@webhook:${webhookId}`,
  // Newest first, like every other log of the API; the id breaks ties.
  keys: [{ field: 'createdAt', direction: 'desc' }],
  dateFields: new Set(['createdAt']),
});

function deliveriesWhere(webhookId: number, status: readonly DeliveryStatus[] | null | undefined) {
  return { webhookId, ...(status?.length ? { status: { in: [...status] } } : {}) };
}

/** One page of a webhook's deliveries, newest first. */
export async function findDeliveriesPage(
  db: Tx,
  webhookId: number,
  status: readonly DeliveryStatus[] | null | undefined,
  page: PageRequest,
): Promise<Page<DeliveryRow>> {
  const query = deliveriesQuery(webhookId);
  const args = pageArgs(query, page, deliveriesWhere(webhookId, status));
  return toPage(query, page, await db.webhookDelivery.findMany(args));
}

export function countDeliveries(db: Tx, webhookId: number, status: readonly DeliveryStatus[] | null | undefined): Promise<number> {
  return db.webhookDelivery.count({ where: deliveriesWhere(webhookId, status) });
}

export function findDeliveriesByIds(db: Tx, ids: readonly number[]): Promise<DeliveryRow[]> {
  return db.webhookDelivery.findMany({ where: { id: { in: [...ids] } } });
}

const statusIn = (status: readonly DeliveryStatus[] | null | undefined) =>
  status?.length ? Prisma.sql`AND CAST(d."status" AS TEXT) IN (${Prisma.join([...status])})` : Prisma.empty;

/**
 * The newest `take` deliveries of each webhook (first pages of many webhooks in two statements,
 * whatever their number): ids ranked per webhook with a window, then the rows.
 */
export async function findFirstDeliveriesOfWebhooks(
  db: Tx,
  webhookIds: readonly number[],
  status: readonly DeliveryStatus[] | null | undefined,
  take: number,
): Promise<DeliveryRow[]> {
  if (!webhookIds.length || take < 1) return [];
  const ranked = await db.$queryRaw<{ id: number | bigint }[]>`
    SELECT ranked."id" FROM (
      SELECT d."id", ROW_NUMBER() OVER (PARTITION BY d."webhookId" ORDER BY d."createdAt" DESC, d."id" DESC) AS "rowNumber"
      FROM "WebhookDelivery" d
      WHERE d."webhookId" IN (${Prisma.join([...webhookIds])}) ${statusIn(status)}
    ) ranked
    WHERE ranked."rowNumber" <= ${take}`;
  if (!ranked.length) return [];
  return db.webhookDelivery.findMany({
    where: { id: { in: ranked.map((r) => Number(r.id)) } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
}

/** How many deliveries each webhook has (with the status filter), in one statement. */
export async function countDeliveriesOfWebhooks(
  db: Tx,
  webhookIds: readonly number[],
  status: readonly DeliveryStatus[] | null | undefined,
): Promise<Map<number, number>> {
  const groups = await db.webhookDelivery.groupBy({
    by: ['webhookId'],
    where: { webhookId: { in: [...webhookIds] }, ...(status?.length ? { status: { in: [...status] } } : {}) },
    _count: { _all: true },
  });
  return new Map(groups.map((g) => [g.webhookId, g._count._all]));
}
