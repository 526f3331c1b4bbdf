import { Field, ObjectType } from 'type-graphql';

/** An alias of a model; its `version` field is resolved by ModelAliasResolver. */
@ObjectType()
export class ModelAlias {
  @Field() alias!: string;
}
