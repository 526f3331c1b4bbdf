import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { DomainError } from '../domain/errors';

/** Codes that graphql-js and Apollo give for a request they refuse before anything runs. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export const INTERNAL = 'INTERNAL_SERVER_ERROR';

/** Client mistakes that Apollo reports without a code, by their (fixed) message. */
const APOLLO_CLIENT_ERRORS: Record<string, string> = {
  'provided sha does not match query': 'PERSISTED_QUERY_HASH_MISMATCH',
  'Unsupported persisted query version': 'PERSISTED_QUERY_NOT_SUPPORTED',
};

/**
 * The one place errors become responses. Domain errors keep their code and details; refusals
 * of the request itself keep theirs; anything else is masked (no stack, SQL or path leaves).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) {
    return {
      message: original.message,
      path: formatted.path,
      locations: formatted.locations,
      extensions: { ...original.details, code: original.code },
    };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CLIENT_CODES.has(code) && (original instanceof GraphQLError || !(original instanceof Error))) {
    const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const client = APOLLO_CLIENT_ERRORS[formatted.message];
  if (client) return { message: formatted.message, extensions: { code: client } };
  // A request id put there on purpose (a failure before the plugins run) lets the caller report it.
  const requestId = formatted.extensions?.requestId;
  return {
    message: 'Internal server error',
    path: formatted.path,
    locations: formatted.locations,
    extensions: typeof requestId === 'string' ? { code: INTERNAL, requestId } : { code: INTERNAL },
  };
}

export function isMasked(formatted: GraphQLFormattedError): boolean {
  return formatted.extensions?.code === INTERNAL;
}
