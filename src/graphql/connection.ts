import { Field, Int, ObjectType, type ClassType } from 'type-graphql';
import type { Page } from '../domain/paging';
import { PageInfo } from './types/common.type';

/** The value a connection field resolves to; `totalCount` runs only when it is asked for. */
export interface ConnectionValue<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  /** A getter: type-graphql's field resolver reads the property but never calls a function. */
  readonly totalCount: Promise<number> | number;
}

/** An edge whose cursor is encoded only when asked for: a dashboard asks for none of its hundreds. */
class LazyEdge<T> {
  constructor(
    readonly node: T,
    private readonly page: Page<T>,
  ) {}

  get cursor(): string {
    return this.page.cursor(this.node);
  }
}

export function toConnection<T>(page: Page<T>, totalCount: () => Promise<number> | number): ConnectionValue<T> {
  const edges = page.rows.map((node) => new LazyEdge(node, page));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return edges[edges.length - 1]?.cursor ?? null;
      },
    },
    get totalCount() {
      return totalCount();
    },
  };
}

/** Relay connection and edge types for one node type, named `<Node>Connection` and `<Node>Edge`. */
export function Connection<T extends object>(node: ClassType<T>) {
  @ObjectType(`${node.name}Edge`)
  class Edge {
    @Field() cursor!: string;
    @Field(() => node) node!: T;
  }

  @ObjectType(`${node.name}Connection`)
  class ConnectionType {
    @Field(() => [Edge]) edges!: Edge[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
    // Not simple: its value is a promise (ConnectionValue), which its resolver hands on to be awaited.
    @Field(() => Int, { simple: false }) totalCount!: number;
  }
  return ConnectionType;
}
