import { Field, InputType } from 'type-graphql';

@InputType()
export class RegistryEventFilter {
  @Field(() => [String], { nullable: true, description: 'Only events of these models; all when omitted.' })
  modelNames?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Only these actions (AuditEvent.action); all when omitted.' })
  actions?: string[] | null;
}
