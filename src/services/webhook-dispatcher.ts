import { randomBytes } from 'node:crypto';
import type { Database } from '../db/client';
import { onDeliveriesQueued } from '../db/event-signal';
import { findAuditEventsByIds, type AuditRow } from '../db/repositories/audit.repository';
import {
  findDueDeliveries,
  leaseDueWebhooks,
  recordAttempt,
  releaseWebhookLease,
  renewWebhookLease,
  type DeliveryRow,
} from '../db/repositories/webhook-delivery.repository';
import { findWebhooksByIds, type WebhookRow } from '../db/repositories/webhook.repository';
import { toGlobalId } from '../domain/ids';
import { afterAttempt, isSuccess, type RetrySchedule } from '../domain/webhook-retry';
import type { WebhookBody } from '../domain/webhooks';
import { signWebhook } from './webhook-signature';

/** How long after this process queued deliveries its writes still wake the dispatcher. */
const RECENTLY_QUEUED_MS = 5_000;

/** One signed POST, as the transport (src/http/webhook-transport.ts) sends it. */
export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/** The receiver's status code, or null with an error (timeout, refused connection, refused address). */
export interface WebhookResponse {
  statusCode: number | null;
  error: string | null;
}

export type WebhookTransport = (request: WebhookRequest) => Promise<WebhookResponse>;

/** What happened to one attempt, for metrics and logs (never the secret or the body). */
export interface AttemptReport {
  webhook: string;
  deliveryId: number;
  status: DeliveryRow['status'];
  statusCode: number | null;
  error: string | null;
  /** How long the POST took. */
  seconds: number;
  /** From the event's commit to this attempt's end. */
  sinceEventSeconds: number;
}

export interface DispatcherOptions {
  transport: WebhookTransport;
  schedule: RetrySchedule;
  timeoutMs: number;
  pollIntervalMs: number;
  leaseMs: number;
  /** Webhooks sent to at once by this process; each one's deliveries go one at a time, in order. */
  concurrency?: number;
  /** Deliveries read per round of one webhook. */
  batchSize?: number;
  onAttempt?: (report: AttemptReport) => void;
  onError?: (error: unknown) => void;
}

/** This process's hold on some webhooks: its token in "Webhook"."leaseOwner", and until when (ms). */
interface Lease {
  token: string;
  until: number;
}

/** The body a receiver gets: the audit event, details as an object. */
export function webhookBody(event: AuditRow): WebhookBody {
  return {
    id: toGlobalId('AuditEvent', event.id),
    action: event.action,
    actor: event.actor,
    modelName: event.modelName,
    version: event.version,
    at: event.at.toISOString(),
    details: JSON.parse(event.details) as unknown,
  };
}

/**
 * Sends the outbox. Each round leases the webhooks that have due deliveries (on PostgreSQL with
 * FOR NO KEY UPDATE SKIP LOCKED, so the dispatchers of several processes share the webhooks and never
 * hold the same one), then, per leased webhook, sends its due deliveries one at a time in queue
 * order and records each attempt with its outcome (domain/webhook-retry.ts decides SUCCEEDED,
 * FAILED with the next time, or DEAD). A process that dies mid-attempt leaves its deliveries
 * due and its leases expiring: after WEBHOOK_LEASE another process, or this one restarted,
 * sends them again. Deliveries are therefore at least once; receivers deduplicate by webhook-id.
 */
export class WebhookDispatcher {
  /** Names this process's leases; random, so a restarted process never resumes a dead one's. */
  readonly owner = `${process.pid}-${randomBytes(6).toString('hex')}`;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private wakeUp: (() => void) | undefined;
  private readonly draining = new Set<Promise<void>>();
  private leases = 0;
  /** When a transaction of this process last queued deliveries (ms). */
  private queuedAt = 0;
  private stopNoting: (() => void) | undefined;

  constructor(
    private readonly db: Database,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopNoting = onDeliveriesQueued(() => (this.queuedAt = Date.now()));
    this.loop = this.run();
  }

  /** Sends sooner than the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  /**
   * After a write has committed: leases at once if this process queued deliveries lately. The
   * write that queued them may commit after another one's wake-up has found nothing yet, so
   * every write wakes while deliveries are being queued; a registry without webhooks never does.
   */
  wakeAfterWrite(): void {
    if (Date.now() - this.queuedAt < RECENTLY_QUEUED_MS) this.wake();
  }

  /** Stops leasing, aborts attempts in flight (they stay due and go out again later) and waits for the loop. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopNoting?.();
    this.abort.abort();
    this.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    const limit = this.options.concurrency ?? 8;
    while (this.running) {
      let leased = 0;
      if (this.draining.size < limit) {
        try {
          leased = await this.lease(limit - this.draining.size);
        } catch (error) {
          if (this.running) this.options.onError?.(error);
        }
      }
      // Nothing new to lease: wait for the poll, or for a webhook to finish (then lease again).
      if (this.running && !leased) await this.sleep(this.options.pollIntervalMs);
    }
    await Promise.all(this.draining);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // Unref'd: an idle dispatcher alone does not keep a process (or a test worker) alive.
      const timer = setTimeout(done, ms).unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  /** Leases up to `limit` webhooks with due deliveries and starts draining each; returns how many. */
  private async lease(limit: number): Promise<number> {
    const now = new Date();
    // A token per lease, not per process: should a lease run out mid-drain and this process
    // lease the webhook again, the stale drain's renewal fails and it stops.
    const lease: Lease = { token: `${this.owner}:${++this.leases}`, until: now.getTime() + this.options.leaseMs };
    const ids = await leaseDueWebhooks(this.db.prisma, this.db.provider, { owner: lease.token, now, until: new Date(lease.until), limit });
    if (!ids.length) return 0;
    // A webhook deleted since has no row (and no lease left to release).
    for (const webhook of await findWebhooksByIds(this.db.prisma, ids)) {
      const drained: Promise<void> = this.drain(webhook, { ...lease })
        .catch((error) => {
          if (this.running) this.options.onError?.(error);
        })
        .finally(() => {
          this.draining.delete(drained);
          this.wake();
        });
      this.draining.add(drained);
    }
    return ids.length;
  }

  /**
   * Renews the lease when what is left of it might not cover one more attempt and its record
   * (with half a lease to spare for a slow database); false when it was lost.
   */
  private async holdLease(webhookId: number, lease: Lease): Promise<boolean> {
    if (lease.until - Date.now() > this.options.timeoutMs + this.options.leaseMs / 2) return true;
    const until = Date.now() + this.options.leaseMs;
    if (!(await renewWebhookLease(this.db.prisma, webhookId, lease.token, new Date(until)))) return false;
    lease.until = until;
    return true;
  }

  /** Sends one leased webhook's due deliveries in order until none is due, then releases it. */
  private async drain(webhook: WebhookRow, lease: Lease): Promise<void> {
    try {
      while (this.running) {
        const due = await findDueDeliveries(this.db.prisma, webhook.id, new Date(), this.options.batchSize ?? 50);
        if (!due.length) break;
        const events = new Map((await findAuditEventsByIds(this.db.prisma, [...new Set(due.map((d) => d.eventId))])).map((e) => [e.id, e]));
        for (const delivery of due) {
          if (!this.running || !(await this.holdLease(webhook.id, lease))) return;
          await this.attempt(webhook, delivery, events.get(delivery.eventId));
        }
      }
    } finally {
      await releaseWebhookLease(this.db.prisma, webhook.id, lease.token).catch(() => undefined);
    }
  }

  /** One attempt, recorded; one aborted by stop() is not (it stays due). */
  private async attempt(webhook: WebhookRow, delivery: DeliveryRow, event: AuditRow | undefined): Promise<void> {
    const started = new Date();
    let response: WebhookResponse;
    if (!event) {
      // Cannot happen while audit events are never deleted; recorded rather than retried forever.
      response = { statusCode: null, error: 'the audit event no longer exists' };
    } else {
      const body = JSON.stringify(webhookBody(event));
      response = await this.options.transport({
        url: webhook.url,
        headers: signWebhook(webhook.secret, toGlobalId('AuditEvent', event.id), started, body),
        body,
        timeoutMs: this.options.timeoutMs,
        signal: this.abort.signal,
      });
      if (this.abort.signal.aborted) return;
    }
    const ended = new Date();
    const ok = isSuccess(response.statusCode);
    const outcome = event
      ? afterAttempt({ ok, attempts: delivery.attempts + 1, queuedAt: delivery.createdAt, now: ended, schedule: this.options.schedule })
      : ({ status: 'DEAD', nextAttemptAt: null } as const);
    await recordAttempt(this.db.prisma, delivery, {
      status: outcome.status,
      nextAttemptAt: outcome.nextAttemptAt,
      at: ended,
      statusCode: response.statusCode,
      error: ok ? null : (response.error ?? `HTTP ${response.statusCode}`),
    });
    this.options.onAttempt?.({
      webhook: webhook.name,
      deliveryId: delivery.id,
      status: outcome.status,
      statusCode: response.statusCode,
      error: response.error,
      seconds: (ended.getTime() - started.getTime()) / 1000,
      sinceEventSeconds: event ? (ended.getTime() - event.at.getTime()) / 1000 : 0,
    });
  }
}
