import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Webhook } from '../types/webhook.type';

@InputType()
export class CreateWebhookInput {
  @Field() name!: string;
  @Field({ description: 'http(s); refused when its host resolves to a loopback, private, link-local or metadata address.' }) url!: string;
  @Field(() => [String], { nullable: true }) actions?: string[] | null;
  @Field(() => [String], { nullable: true }) modelNames?: string[] | null;
}

@ObjectType()
export class CreateWebhookPayload {
  @Field(() => Webhook) webhook!: Webhook;
  @Field({ description: 'The signing secret (Standard Webhooks, whsec_...), shown once.' }) secret!: string;
}

@InputType()
export class UpdateWebhookInput {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) url?: string | null;
  @Field(() => [String], { nullable: true }) actions?: string[] | null;
  @Field(() => [String], { nullable: true }) modelNames?: string[] | null;
  @Field(() => Boolean, { nullable: true }) active?: boolean | null;
}

@InputType()
export class DeleteWebhookInput {
  @Field() name!: string;
}

@ObjectType()
export class WebhookPayload {
  @Field(() => Webhook) webhook!: Webhook;
}

@ObjectType()
export class DeleteWebhookPayload {
  @Field() deletedName!: string;
}

@InputType()
export class RedeliverWebhookInput {
  @Field({
    description: 'Delivers these events again to the webhook: every matching event after `afterEventId` (exclusive), oldest first.',
  })
  name!: string;
  @Field(() => ID) afterEventId!: string;
}

@ObjectType()
export class RedeliverWebhookPayload {
  @Field(() => Webhook) webhook!: Webhook;
  @Field(() => Int, { description: 'How many deliveries were queued.' }) queued!: number;
}
