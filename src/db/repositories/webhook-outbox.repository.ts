import type { Tx } from '../client';
import { signalDeliveriesQueued } from '../event-signal';
import { Prisma } from '../generated/sqlite/client';

/**
 * The outbox: which webhooks receive which events, decided in SQL so that queueing costs one
 * statement, in the transaction that writes the events (a crash or a rollback then loses or
 * invents no delivery). The rule is domain/webhooks.ts's webhookReceives: an active webhook
 * receives an event when each of its filters is empty or lists the event's value. The filter
 * values are rows of "WebhookFilter" (portable SQL: no JSON functions, which differ between
 * SQLite and PostgreSQL); "[]" in the webhook's own column says the filter is empty.
 */
export const WEBHOOK_MATCHES = `(w."actions" = '[]' OR EXISTS (SELECT 1 FROM "WebhookFilter" f
        WHERE f."webhookId" = w."id" AND f."field" = 'action' AND f."value" = e."action"))
  AND (w."modelNames" = '[]' OR EXISTS (SELECT 1 FROM "WebhookFilter" f
        WHERE f."webhookId" = w."id" AND f."field" = 'modelName' AND f."value" = e."modelName"))`;
const MATCHES = Prisma.raw(WEBHOOK_MATCHES);

/** The INSERT ... SELECT that queues deliveries of the events in `events` (a table or a CTE: id, action, modelName, at). */
function queueFrom(events: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO "WebhookDelivery" ("webhookId", "eventId", "createdAt", "nextAttemptAt")
    SELECT w."id", e."id", e."at", e."at"
    FROM ${events} e CROSS JOIN "Webhook" w
    WHERE w."active" = TRUE AND ${MATCHES}
    ORDER BY e."id", w."id"`;
}

/**
 * PostgreSQL: inserts the events and queues their deliveries in ONE statement (a data-modifying
 * CTE), so that the outbox costs a write no statement of its own.
 */
export async function insertEventsQueuingDeliveries(tx: Tx, rows: Prisma.Sql[]): Promise<void> {
  const queued = await tx.$executeRaw`
    WITH ev AS (
      INSERT INTO "AuditEvent" ("action", "actor", "modelName", "version", "details")
      VALUES ${Prisma.join(rows)}
      RETURNING "id", "action", "modelName", "at"
    )
    ${queueFrom(Prisma.sql`ev`)}`;
  signalDeliveriesQueued(queued);
}

/**
 * Queues a delivery of each of these (just inserted) events to every webhook that receives it,
 * in event order, due at once. Exactly one statement, whether or not any webhook exists.
 */
export async function queueDeliveries(tx: Tx, eventIds: readonly number[]): Promise<void> {
  if (!eventIds.length) return;
  signalDeliveriesQueued(
    await tx.$executeRaw(queueFrom(Prisma.sql`(SELECT * FROM "AuditEvent" WHERE "id" IN (${Prisma.join([...eventIds])}))`)),
  );
}

/**
 * Queues again, oldest first, every event after `afterEventId` that the webhook's filters match;
 * returns how many. An inactive webhook's deliveries wait until it is active again.
 */
export async function queueRedelivery(tx: Tx, webhookId: number, afterEventId: number, now: Date): Promise<number> {
  const queued = await tx.$executeRaw`
    INSERT INTO "WebhookDelivery" ("webhookId", "eventId", "createdAt", "nextAttemptAt")
    SELECT w."id", e."id", ${now}, ${now}
    FROM "AuditEvent" e CROSS JOIN "Webhook" w
    WHERE w."id" = ${webhookId} AND e."id" > ${afterEventId} AND ${MATCHES}
    ORDER BY e."id"`;
  signalDeliveriesQueued(queued);
  return queued;
}
