import { Field, ObjectType } from 'type-graphql';
import { Role } from './enums';
import { Node } from './node.type';

/** Who calls: an API key's name and roles. Its id is the key's global id. */
@ObjectType({ implements: Node })
export class Principal extends Node {
  @Field() name!: string;
  @Field(() => [Role]) roles!: Role[];
}
