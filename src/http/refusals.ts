import type { ApolloServerPlugin } from '@apollo/server';
import type { Request, RequestHandler, Response } from 'express';
import { GraphQLError } from 'graphql';
import { bearerToken } from './auth';
import type { Metrics } from './metrics';

/**
 * Requests refused before they ran (400, 401, 409, 413, 422, 429) are counted in /metrics by reason, so an
 * operator sees a client sending bad JSON or bad tokens. Whoever refuses names the reason in
 * `res.locals.refusal`; one hook counts it when the response is sent.
 */
export const REFUSED_STATUSES = new Set([400, 401, 409, 413, 415, 422, 429]);

const STATUS_REASON: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  413: 'body_too_large',
  409: 'conflict',
  415: 'not_json',
  422: 'unprocessable',
  429: 'rate_limited',
};
/** GraphQL error codes that are reasons of their own; any other 400 counts as bad_request. */
const CODE_REASONS = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'PERSISTED_QUERY_NOT_SUPPORTED']);

/** Names why this response refuses the request (the first name given wins). */
export function refuse(res: Response, reason: string): void {
  res.locals.refusal ??= reason;
}

/** Counts every refused response of the routes it is mounted on. */
export function countRefusals(metrics: Metrics): RequestHandler {
  return (_req, res, next) => {
    res.on('finish', () => {
      if (REFUSED_STATUSES.has(res.statusCode)) {
        metrics.refused(res.statusCode, res.locals.refusal ?? STATUS_REASON[res.statusCode] ?? 'other');
      }
    });
    next();
  };
}

function badRequest(res: Response, reason: string, message: string): void {
  refuse(res, reason);
  res.status(400).json({ errors: [{ message, extensions: { code: 'BAD_REQUEST', requestId: res.locals.requestId } }] });
}

const SEND_JSON = 'Send a POST with the header "content-type: application/json" and a JSON body such as {"query": "{ viewer { name } }"}';

/**
 * Refuses, with a message that says what to send, the requests Apollo would refuse as possible
 * CSRF with a message that did not: a POST that is not JSON (a plain `curl -d` sends a form)
 * and a GET without a preflight-forcing header.
 */
export function requireJsonOrPreflight(): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'POST' && !req.is('application/json')) {
      const given = req.get('content-type');
      return badRequest(
        res,
        'not_json',
        `${given ? `The content type "${given.slice(0, 100)}" is not supported` : 'The request has no content type'}. ${SEND_JSON}.`,
      );
    }
    if (req.method === 'GET' && !hasPreflightHeader(req)) {
      return badRequest(
        res,
        'csrf',
        `A GET request must carry the header "apollo-require-preflight: true" (protection against cross-site request forgery). ${SEND_JSON}, or add that header.`,
      );
    }
    next();
  };
}

/** Apollo's CSRF rule: a header a browser's simple request cannot carry makes a GET safe. */
function hasPreflightHeader(req: Request): boolean {
  const type = req.get('content-type');
  const simple = !type || /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\b/i.test(type);
  return !simple || !!req.get('apollo-require-preflight') || !!req.get('x-apollo-operation-name');
}

/**
 * Runs authentication; a refused token gets `WWW-Authenticate: Bearer` (RFC 6750) on its 401, is
 * counted as a malformed header or an invalid token, and against its address's failure limit.
 */
export async function challengeOnRefusal<T>(req: Request, res: Response, authenticate: () => Promise<T>): Promise<T> {
  try {
    return await authenticate();
  } catch (error) {
    if (error instanceof GraphQLError && error.extensions.http?.status === 401) {
      const malformed = bearerToken(req) === null;
      refuse(res, malformed ? 'malformed_authorization' : 'invalid_token');
      res.set('WWW-Authenticate', `Bearer realm="modelgate", error="${malformed ? 'invalid_request' : 'invalid_token'}"`);
      await (res.locals.onAuthFailure as (() => Promise<void>) | undefined)?.();
    }
    throw error;
  }
}

/** Apollo copies the context per operation (own enumerable properties, symbols included). */
const RESPONSE = Symbol('http response');

/** Ties a request's GraphQL context to its HTTP response, for refusalPlugin. */
export function bindResponse<C extends object>(context: C, res: Response): C {
  Object.assign(context, { [RESPONSE]: res });
  return context;
}

/** Names the reason of a GraphQL-level refusal (parse, validation, variables, limits) by its code. */
export function refusalPlugin(): ApolloServerPlugin<object> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async willSendResponse({ response, errors }) {
          const res = (contextValue as { [RESPONSE]?: Response })[RESPONSE];
          const status = response.http.status;
          if (!res || status === undefined || !REFUSED_STATUSES.has(status)) return;
          const code = errors?.[0]?.extensions?.code;
          if (typeof code === 'string' && CODE_REASONS.has(code)) refuse(res, code.toLowerCase());
        },
      };
    },
  };
}
