import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { ApolloServerPlugin } from '@apollo/server';
import { DEFAULT_PAGE_SIZE } from '../domain/paging';

/**
 * Depth of the deepest field path, through fragments (introspection fields included). An
 * introspection `ofType` does not count: its chain unwraps one type reference (at most a few
 * levels, no fan-out), and the standard introspection query that GraphiQL and codegen send nests
 * it 7 deep, which would otherwise make that query 15 deep.
 */
export function queryDepth(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): number {
  let max = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const own = selection.name.value === 'ofType' ? 0 : 1;
      max = Math.max(max, own + (selection.selectionSet ? queryDepth(selection.selectionSet, fragments, seen) : 0));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      max = Math.max(max, queryDepth(selection.selectionSet, fragments, seen));
    } else if (!seen.has(selection.name.value) && fragments[selection.name.value]) {
      const inner = new Set(seen).add(selection.name.value);
      max = Math.max(max, queryDepth(fragments[selection.name.value].selectionSet, fragments, inner));
    }
  }
  return max;
}

/**
 * A list field that takes `first` costs its children once per item it may return: a page of
 * 100 models asking for 5 versions each costs about 100 × 5 × (fields per version).
 */
const pagedEstimator: ComplexityEstimator = ({ args, childComplexity, field }) => {
  if (!field.args.some((a) => a.name === 'first')) return undefined;
  const first = typeof args.first === 'number' ? Math.max(args.first, 0) : DEFAULT_PAGE_SIZE;
  return 1 + first * Math.max(childComplexity, 1);
};

function limitError(message: string, limit: string, max: number, actual: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', limit, max, actual, http: { status: 400 } } });
}

/** Refuses a query over the depth or cost limit before anything executes. */
export function limitsPlugin(schema: GraphQLSchema, maxDepth: number, maxCost: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return;
          checkLimits(schema, document, operation, request.variables ?? {}, { maxDepth, maxCost });
        },
      };
    },
  };
}

/** Throws BAD_USER_INPUT when the operation is deeper or costlier than allowed (HTTP and WebSocket alike). */
export function checkLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  { maxDepth, maxCost }: { maxDepth: number; maxCost: number },
): void {
  const depth = queryDepth(operation.selectionSet, fragmentsOf(document));
  if (depth > maxDepth) {
    throw limitError(`Query depth ${depth} exceeds the maximum query depth of ${maxDepth}`, 'MAX_QUERY_DEPTH', maxDepth, depth);
  }
  const cost = costOf(schema, documentOf(document, operation), variables);
  if (cost > maxCost) {
    throw limitError(`Query cost ${cost} exceeds the maximum query cost of ${maxCost}`, 'MAX_QUERY_COST', maxCost, cost);
  }
}

/**
 * The cost needs the variables, so it coerces them before graphql-js would: a variable of the
 * wrong type (or a Float that is not finite) is the caller's error, BAD_USER_INPUT, not a 500.
 */
function costOf(schema: GraphQLSchema, query: DocumentNode, variables: Record<string, unknown>): number {
  try {
    return getComplexity({ schema, query, variables, estimators: [pagedEstimator, simpleEstimator({ defaultComplexity: 1 })] });
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    throw new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
  }
}

function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const out: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) out[d.name.value] = d;
  return out;
}

/** The operation being run with its fragments: other operations in the document cost nothing. */
function documentOf(document: DocumentNode, operation: OperationDefinitionNode): DocumentNode {
  return { ...document, definitions: document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION || d === operation) };
}
