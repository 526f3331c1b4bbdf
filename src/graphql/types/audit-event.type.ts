import { Field, Int, ObjectType } from 'type-graphql';
import { Node } from './node.type';

@ObjectType({ implements: Node, description: 'One recorded change; append-only.' })
export class AuditEvent extends Node {
  @Field({ description: 'What happened, e.g. MODEL_CREATED, VERSION_CREATED, TRANSITION_REQUESTED, TRANSITION_APPROVED, STAGE_CHANGED.' })
  action!: string;
  @Field() actor!: string;
  @Field(() => String, { nullable: true }) modelName!: string | null;
  @Field(() => Int, { nullable: true }) version!: number | null;
  @Field() at!: Date;
  @Field({ description: 'A JSON object with the details of the change.' }) details!: string;
}
