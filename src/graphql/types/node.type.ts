import { Field, ID, InterfaceType } from 'type-graphql';

/** Rows handed to GraphQL through `node(id)` carry their type name. */
@InterfaceType({ resolveType: (value: { __typename?: string }) => value.__typename })
export abstract class Node {
  @Field(() => ID)
  id!: string;
}
