import { Kind, type OperationDefinitionNode } from 'graphql';

/**
 * Root fields of Query whose resolvers read only through the request's counting client (the
 * registry service given `ctx.db`) and the request's loaders, as every field below them does:
 * an operation of these alone counts its statements explicitly. Any other operation (mutations,
 * the other queries) runs in a statement scope (StatementCounter.scope), where its async context
 * counts them. A field added here must read through `ctx.db`: test/statement-count.test.ts
 * compares every response's count with the statements the process ran.
 */
const COUNTED_BY_CLIENT = new Set([
  'registeredModel',
  'registeredModels',
  'modelVersion',
  'modelVersions',
  'node',
  'nodes',
  'viewer',
  '__typename',
]);

/** True when the operation counts its statements through the request's counting client alone. */
export function countsThroughClient(operation: OperationDefinitionNode): boolean {
  if (operation.operation !== 'query') return false;
  return operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && COUNTED_BY_CLIENT.has(s.name.value));
}
