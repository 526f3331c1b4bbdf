import type { Tx } from '../client';
import { Prisma } from '../generated/sqlite/client';

/**
 * The outbox: which webhooks receive which events, decided in SQL so that queueing costs one
 * statement, in the transaction that writes the events (a crash or a rollback then loses or
 * invents no delivery). The rule is domain/webhooks.ts's webhookReceives: an active webhook
 * receives an event when each of its filters is empty or lists the event's value. The filter
 * values are rows of "WebhookFilter" (portable SQL: no JSON functions, which differ between
 * SQLite and PostgreSQL); "[]" in the webhook's own column says the filter is empty.
 */
const MATCHES = Prisma.sql`(w."actions" = '[]' OR EXISTS (SELECT 1 FROM "WebhookFilter" f
        WHERE f."webhookId" = w."id" AND f."field" = 'action' AND f."value" = e."action"))
  AND (w."modelNames" = '[]' OR EXISTS (SELECT 1 FROM "WebhookFilter" f
        WHERE f."webhookId" = w."id" AND f."field" = 'modelName' AND f."value" = e."modelName"))`;

/**
 * Queues a delivery of each of these (just inserted) events to every webhook that receives it,
 * in event order, due at once. Exactly one statement, whether or not any webhook exists.
 */
export async function queueDeliveries(tx: Tx, eventIds: readonly number[]): Promise<void> {
  if (!eventIds.length) return;
  await tx.$executeRaw`
    INSERT INTO "WebhookDelivery" ("webhookId", "eventId", "createdAt", "nextAttemptAt")
    SELECT w."id", e."id", e."at", e."at"
    FROM "AuditEvent" e CROSS JOIN "Webhook" w
    WHERE e."id" IN (${Prisma.join([...eventIds])}) AND w."active" = TRUE AND ${MATCHES}
    ORDER BY e."id", w."id"`;
}

/**
 * Queues again, oldest first, every event after `afterEventId` that the webhook's filters match;
 * returns how many. An inactive webhook's deliveries wait until it is active again.
 */
export function queueRedelivery(tx: Tx, webhookId: number, afterEventId: number, now: Date): Promise<number> {
  return tx.$executeRaw`
    INSERT INTO "WebhookDelivery" ("webhookId", "eventId", "createdAt", "nextAttemptAt")
    SELECT w."id", e."id", ${now}, ${now}
    FROM "AuditEvent" e CROSS JOIN "Webhook" w
    WHERE w."id" = ${webhookId} AND e."id" > ${afterEventId} AND ${MATCHES}
    ORDER BY e."id"`;
}
