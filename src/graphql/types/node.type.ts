import { Field, ID, InterfaceType } from 'type-graphql';

/** The concrete type of a row handed to GraphQL through `node(id)`: rows carry their type name. */
export const resolveNodeType = (value: { __typename?: string }): string | undefined => value.__typename;

@InterfaceType({ resolveType: resolveNodeType })
export abstract class Node {
  @Field(() => ID)
  id!: string;
}
