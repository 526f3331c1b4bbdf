import { Field, ObjectType } from 'type-graphql';
import { Connection } from '../connection';
import { Node } from './node.type';

@ObjectType({ implements: Node })
export class RegisteredModel extends Node {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  @Field() createdBy!: string;
}

/** `RegisteredModelConnection` and `RegisteredModelEdge`. */
export const RegisteredModelConnection = Connection(RegisteredModel);
