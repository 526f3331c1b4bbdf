import { Field, ObjectType } from 'type-graphql';
import { Node } from './node.type';

@ObjectType({ implements: Node })
export class RegisteredModel extends Node {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  @Field() createdBy!: string;
}
