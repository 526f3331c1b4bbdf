import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { DeliveryRow } from '../../db/repositories/webhook-delivery.repository';
import { webhookActions, webhookModelNames, type WebhookRow } from '../../db/repositories/webhook.repository';
import { toGlobalId } from '../../domain/ids';
import { pageSize } from '../../domain/paging';
import { Role } from '../../domain/roles';
import { Connection, toConnection } from '../connection';
import type { Context } from '../context';
import {
  CreateWebhookInput,
  CreateWebhookPayload,
  DeleteWebhookInput,
  DeleteWebhookPayload,
  RedeliverWebhookInput,
  RedeliverWebhookPayload,
  UpdateWebhookInput,
  WebhookPayload,
} from '../inputs/webhook.input';
import { AuditEvent } from '../types/audit-event.type';
import { Webhook, WebhookDelivery, WebhookDeliveryStatus } from '../types/webhook.type';

const WebhookDeliveryConnection = Connection(WebhookDelivery);

/** Webhooks are ADMIN's: their URLs may carry a receiver's token. */
@Resolver(() => Webhook)
export class WebhookResolver {
  @Authorized(Role.ADMIN)
  @Query(() => [Webhook], { description: 'Every webhook, by name.' })
  webhooks(@Ctx() ctx: Context) {
    return ctx.services.webhooks.list();
  }

  @Authorized(Role.ADMIN)
  @Query(() => Webhook, { nullable: true })
  webhook(@Arg('name') name: string, @Ctx() ctx: Context) {
    return ctx.services.webhooks.byName(name);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => CreateWebhookPayload, { description: 'The secret is in this answer only.' })
  createWebhook(@Arg('input') input: CreateWebhookInput, @Ctx() ctx: Context) {
    return ctx.services.webhooks.create(ctx.principal!, input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => WebhookPayload, { description: 'Changes what is given; filters given replace the old ones.' })
  async updateWebhook(@Arg('input') input: UpdateWebhookInput, @Ctx() ctx: Context) {
    return { webhook: await ctx.services.webhooks.update(ctx.principal!, input) };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => DeleteWebhookPayload, { description: 'Removes the webhook and its deliveries; their events stay in the audit log.' })
  async deleteWebhook(@Arg('input') input: DeleteWebhookInput, @Ctx() ctx: Context) {
    return { deletedName: await ctx.services.webhooks.delete(ctx.principal!, input.name) };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => RedeliverWebhookPayload, { description: 'Replay: queues every matching event after the given one again, oldest first.' })
  redeliverWebhook(@Arg('input') input: RedeliverWebhookInput, @Ctx() ctx: Context) {
    return ctx.services.webhooks.redeliver(ctx.principal!, input);
  }

  @FieldResolver(() => ID)
  id(@Root() webhook: WebhookRow): string {
    return toGlobalId('Webhook', webhook.id);
  }

  @FieldResolver(() => [String])
  actions(@Root() webhook: WebhookRow): string[] {
    return webhookActions(webhook);
  }

  @FieldResolver(() => [String])
  modelNames(@Root() webhook: WebhookRow): string[] {
    return webhookModelNames(webhook);
  }

  @FieldResolver(() => WebhookDeliveryConnection, { description: 'Newest first.' })
  async deliveries(
    @Root() webhook: WebhookRow,
    @Arg('status', () => [WebhookDeliveryStatus], { nullable: true }) status: WebhookDeliveryStatus[] | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    const page = await ctx.loaders.deliveryPage.load({ webhookId: webhook.id, status, first: pageSize(first), after });
    return toConnection(page, () => ctx.loaders.deliveryCount.load({ webhookId: webhook.id, status }));
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  @FieldResolver(() => ID)
  id(@Root() delivery: DeliveryRow): string {
    return toGlobalId('WebhookDelivery', delivery.id);
  }

  @FieldResolver(() => Webhook)
  webhook(@Root() delivery: DeliveryRow, @Ctx() ctx: Context) {
    return ctx.loaders.webhookById.load(delivery.webhookId);
  }

  @FieldResolver(() => AuditEvent)
  event(@Root() delivery: DeliveryRow, @Ctx() ctx: Context) {
    return ctx.loaders.auditEventById.load(delivery.eventId);
  }
}
