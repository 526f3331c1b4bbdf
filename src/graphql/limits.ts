import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  parse,
  TokenKind,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Config } from '../config';
import { queryCost, queryDepth } from './cost';
import { overlapComparisons } from './overlap';

export { queryDepth } from './cost';

/** The bounds every document is held to, checked in order from the cheapest. */
export interface DocumentLimits {
  /** Bytes of the query text (UTF-8). */
  maxBytes: number;
  /** Lexical tokens of the query text (names, punctuation, strings; comments do not count). */
  maxTokens: number;
  /** Selections (fields, aliases, fragment spreads) in one selection set. */
  maxFieldsPerSelection: number;
  maxDepth: number;
  maxCost: number;
}

/** The limits the configuration sets, for HTTP and WebSocket documents alike. */
export function documentLimits(config: Readonly<Config>): DocumentLimits {
  return {
    maxBytes: config.maxDocumentBytes,
    maxTokens: config.maxQueryTokens,
    maxFieldsPerSelection: config.maxFieldsPerSelection,
    maxDepth: config.maxQueryDepth,
    maxCost: config.maxQueryCost,
  };
}

/**
 * Field comparisons validation may make (see overlap.ts). 2,000 take graphql-js about 20-50 ms
 * on a busy 2-core machine; no document the gateway's own clients send needs any (fields of one
 * response name are rare), and repeating a field a few times stays far below it.
 */
export const MAX_FIELD_COMPARISONS = 2_000;

function limitError(message: string, limit: string, max: number, actual: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', limit, max, actual, http: { status: 400 } } });
}

/** Tokens of a query, counted up to one over the limit; a lexing error is left to the parser. */
export function countTokens(query: string, stopAfter: number): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    while (count <= stopAfter && lexer.advance().kind !== TokenKind.EOF) count += 1;
  } catch {
    /* a syntax error: parsing reports it */
  }
  return count;
}

/** The largest number of selections in any one selection set of a document. */
export function widestSelection(document: DocumentNode): number {
  let widest = 0;
  visit(document, {
    SelectionSet(node) {
      widest = Math.max(widest, node.selections.length);
    },
  });
  return widest;
}

/**
 * Why a query text is refused before Apollo parses and validates it, or null: its size and
 * token count before it is parsed (both bound the parser's work, which is linear), then the
 * width of its selection sets and the field comparisons it would cost graphql-js's validation
 * (quadratic in repeated fields). A text that does not parse is left to Apollo to report.
 * Apollo's plugins cannot refuse a request before validation (a throw there is a 500), so
 * the HTTP layer calls this first.
 */
export function documentRefusal(query: string, limits: DocumentLimits): GraphQLError | null {
  const bytes = Buffer.byteLength(query, 'utf8');
  if (bytes > limits.maxBytes) {
    return limitError(
      `The query is ${bytes} bytes, over the limit of ${limits.maxBytes} bytes`,
      'MAX_DOCUMENT_BYTES',
      limits.maxBytes,
      bytes,
    );
  }
  const tokens = countTokens(query, limits.maxTokens);
  if (tokens > limits.maxTokens) {
    return limitError(`The query has more than ${limits.maxTokens} tokens, the maximum`, 'MAX_QUERY_TOKENS', limits.maxTokens, tokens);
  }
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: limits.maxTokens });
  } catch {
    return null;
  }
  const widest = widestSelection(document);
  if (widest > limits.maxFieldsPerSelection) {
    return limitError(
      `A selection set has ${widest} fields, over the limit of ${limits.maxFieldsPerSelection}`,
      'MAX_FIELDS_PER_SELECTION',
      limits.maxFieldsPerSelection,
      widest,
    );
  }
  const comparisons = overlapComparisons(document);
  if (comparisons > MAX_FIELD_COMPARISONS) {
    return limitError(
      `The query repeats fields of one name too often: validating it would take ${comparisons} field comparisons, over the limit of ${MAX_FIELD_COMPARISONS}`,
      'MAX_FIELD_COMPARISONS',
      MAX_FIELD_COMPARISONS,
      comparisons,
    );
  }
  return null;
}

/** Refuses an operation over the depth or cost limit before anything executes (each fragment walked once). */
export function checkLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  limits: Pick<DocumentLimits, 'maxDepth' | 'maxCost'>,
): void {
  const fragments = fragmentsOf(document);
  const depth = queryDepth(operation.selectionSet, fragments);
  if (depth > limits.maxDepth) {
    throw limitError(
      `Query depth ${depth} exceeds the maximum query depth of ${limits.maxDepth}`,
      'MAX_QUERY_DEPTH',
      limits.maxDepth,
      depth,
    );
  }
  const cost = costOf(() => queryCost(schema, operation, fragments, variables));
  if (cost > limits.maxCost) {
    throw limitError(`Query cost ${cost} exceeds the maximum query cost of ${limits.maxCost}`, 'MAX_QUERY_COST', limits.maxCost, cost);
  }
}

/** checkLimits for every HTTP operation, once Apollo has resolved it. */
export function limitsPlugin(schema: GraphQLSchema, limits: Pick<DocumentLimits, 'maxDepth' | 'maxCost'>): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return;
          if (operation.operation === 'subscription') {
            // Over HTTP an operation has one answer; a subscription has a stream, served over WebSocket on this path.
            throw new GraphQLError('Subscriptions are served over WebSocket (graphql-transport-ws) on this path, not over HTTP', {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
          checkLimits(schema, document, operation, request.variables ?? {}, limits);
        },
      };
    },
  };
}

/**
 * The cost needs the variables, so it coerces them before graphql-js would: a variable of the
 * wrong type (or a Float that is not finite) is the caller's error, BAD_USER_INPUT, not a 500.
 */
function costOf(compute: () => number): number {
  try {
    return compute();
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
