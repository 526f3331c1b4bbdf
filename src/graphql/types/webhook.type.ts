import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from './node.type';

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  DEAD = 'DEAD',
}
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  valuesConfig: {
    PENDING: { description: 'Queued, not tried yet.' },
    SUCCEEDED: { description: 'A 2xx answer; done.' },
    FAILED: { description: 'The last attempt failed; tried again at nextAttemptAt.' },
    DEAD: { description: 'Still failing when its retry window (24 h by default) ran out; replay with redeliverWebhook.' },
  },
});

@ObjectType({
  implements: Node,
  description: 'A receiver of signed event POSTs (Standard Webhooks). Its secret is shown only at creation.',
})
export class Webhook extends Node {
  @Field() name!: string;
  @Field() url!: string;
  @Field(() => [String], { description: 'Delivered actions; all when empty.' }) actions!: string[];
  @Field(() => [String], { description: 'Delivered models; all when empty.' }) modelNames!: string[];
  @Field() active!: boolean;
  @Field() createdAt!: Date;
  @Field() createdBy!: string;
}

@ObjectType({ implements: Node, description: 'One event queued for one webhook, with its attempts so far.' })
export class WebhookDelivery extends Node {
  @Field(() => WebhookDeliveryStatus) status!: WebhookDeliveryStatus;
  @Field(() => Int) attempts!: number;
  @Field(() => Date, { nullable: true }) lastAttemptAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When it is tried next; null once SUCCEEDED or DEAD.' }) nextAttemptAt!: Date | null;
  @Field(() => Int, { nullable: true }) lastStatusCode!: number | null;
  @Field(() => String, { nullable: true }) lastError!: string | null;
}
