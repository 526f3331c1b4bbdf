import type { Database } from '../db/client';
import { findAuditEventsByIds, recordAudit } from '../db/repositories/audit.repository';
import { queueRedelivery } from '../db/repositories/webhook-outbox.repository';
import {
  deleteWebhookRow,
  findWebhookByName,
  findWebhooks,
  insertWebhook,
  updateWebhookRow,
  type WebhookChanges,
  type WebhookRow,
} from '../db/repositories/webhook.repository';
import { auditEvent } from '../domain/audit';
import { badInput, notFound } from '../domain/errors';
import { fromGlobalId, toGlobalId } from '../domain/ids';
import { validateActionFilter, validateModelNameFilter, validateWebhookName, validateWebhookUrl } from '../domain/webhooks';
import { uniquely } from './errors';
import { checkedAddresses, hostOf, resolveHost, type Resolve } from './webhook-guard';
import { newWebhookSecret } from './webhook-signature';

export interface CreateWebhookInput {
  name: string;
  url: string;
  actions?: string[] | null;
  modelNames?: string[] | null;
}

export interface UpdateWebhookInput {
  name: string;
  url?: string | null;
  actions?: string[] | null;
  modelNames?: string[] | null;
  active?: boolean | null;
}

export interface WebhookServiceOptions {
  /** WEBHOOK_ALLOW_PRIVATE_URLS: skip the SSRF guard (tests, private networks). */
  allowPrivateUrls: boolean;
  resolve?: Resolve;
}

/**
 * Webhooks (ADMIN): register, change, remove, replay. The signing secret is returned once, by
 * create; it never enters a response after that, an audit event or a log line. Audit details
 * name the URL's origin only: a receiver URL may carry a token in its path or query, and audit
 * events are readable by every VIEWER.
 */
export class WebhookService {
  private readonly resolve: Resolve;

  constructor(
    private readonly db: Database,
    private readonly options: WebhookServiceOptions,
  ) {
    this.resolve = options.resolve ?? resolveHost;
  }

  /** A valid URL whose host resolves only to addresses webhooks may reach (BAD_USER_INPUT otherwise). */
  private async checkUrl(raw: string): Promise<string> {
    const url = validateWebhookUrl(raw);
    await checkedAddresses(hostOf(url), this.options.allowPrivateUrls, this.resolve);
    return url.toString();
  }

  list(): Promise<WebhookRow[]> {
    return findWebhooks(this.db.prisma);
  }

  byName(name: string): Promise<WebhookRow | null> {
    return findWebhookByName(this.db.prisma, name);
  }

  private async require(name: string): Promise<WebhookRow> {
    const row = await findWebhookByName(this.db.prisma, name);
    if (!row) throw notFound(`No webhook named "${name}"`);
    return row;
  }

  async create(actor: { name: string }, input: CreateWebhookInput): Promise<{ webhook: WebhookRow; secret: string }> {
    const name = validateWebhookName(input.name);
    const actions = validateActionFilter(input.actions);
    const modelNames = validateModelNameFilter(input.modelNames);
    const url = await this.checkUrl(input.url);
    const secret = newWebhookSecret();
    const webhook = await uniquely(
      () =>
        this.db.prisma.$transaction(async (tx) => {
          const row = await insertWebhook(tx, name, { url, actions, modelNames }, secret, actor.name);
          await recordAudit(tx, auditEvent('WEBHOOK_CREATED', { actor: actor.name }, webhookDetails(row)));
          return row;
        }),
      `A webhook named "${name}" exists already`,
    );
    return { webhook, secret };
  }

  async update(actor: { name: string }, input: UpdateWebhookInput): Promise<WebhookRow> {
    const changes: WebhookChanges = {};
    if (input.actions != null) changes.actions = validateActionFilter(input.actions);
    if (input.modelNames != null) changes.modelNames = validateModelNameFilter(input.modelNames);
    if (input.active != null) changes.active = input.active;
    if (input.url != null) changes.url = await this.checkUrl(input.url);
    return this.db.prisma.$transaction(async (tx) => {
      const current = await findWebhookByName(tx, input.name);
      if (!current) throw notFound(`No webhook named "${input.name}"`);
      const row = await updateWebhookRow(tx, current, changes);
      await recordAudit(tx, auditEvent('WEBHOOK_UPDATED', { actor: actor.name }, webhookDetails(row)));
      return row;
    });
  }

  /** Removes the webhook and its deliveries (their events stay in the audit log). */
  async delete(actor: { name: string }, name: string): Promise<string> {
    return this.db.prisma.$transaction(async (tx) => {
      const current = await findWebhookByName(tx, name);
      if (!current) throw notFound(`No webhook named "${name}"`);
      await deleteWebhookRow(tx, current.id);
      await recordAudit(tx, auditEvent('WEBHOOK_DELETED', { actor: actor.name }, { webhookId: toGlobalId('Webhook', current.id), name }));
      return name;
    });
  }

  /**
   * Replay: queues a new delivery, due now, of every event after `afterEventId` that the
   * webhook's filters match, oldest first. Earlier deliveries keep their history.
   */
  async redeliver(
    actor: { name: string },
    input: { name: string; afterEventId: string },
  ): Promise<{ webhook: WebhookRow; queued: number }> {
    const ref = fromGlobalId(input.afterEventId);
    if (!ref || ref.type !== 'AuditEvent') throw badInput('afterEventId is not the id of an audit event', { field: 'afterEventId' });
    const webhook = await this.require(input.name);
    const [event] = await findAuditEventsByIds(this.db.prisma, [ref.id]);
    if (!event) throw notFound(`No audit event with id ${input.afterEventId}`);
    const queued = await this.db.prisma.$transaction(async (tx) => {
      const count = await queueRedelivery(tx, webhook.id, event.id, new Date());
      await recordAudit(
        tx,
        auditEvent(
          'WEBHOOK_REDELIVERED',
          { actor: actor.name },
          {
            webhookId: toGlobalId('Webhook', webhook.id),
            name: webhook.name,
            afterEventId: toGlobalId('AuditEvent', event.id),
            queued: count,
          },
        ),
      );
      return count;
    });
    return { webhook, queued };
  }
}

/** What a webhook's audit events record of it: never the secret, of the URL only its origin. */
function webhookDetails(row: WebhookRow) {
  return {
    webhookId: toGlobalId('Webhook', row.id),
    name: row.name,
    origin: new URL(row.url).origin,
    actions: JSON.parse(row.actions) as string[],
    modelNames: JSON.parse(row.modelNames) as string[],
    active: row.active,
  };
}
