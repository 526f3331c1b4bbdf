import { HeaderMap, type ApolloServer, type ContextFunction } from '@apollo/server';
import type { ExpressContextFunctionArgument } from '@as-integrations/express5';
import type { Request, RequestHandler, Response } from 'express';
import { getOperationAST, parse } from 'graphql';
import type { Config } from '../config';
import { checkIdempotencyKey, requestFingerprint } from '../domain/idempotency';
import { ANONYMOUS } from '../domain/roles';
import type { Context } from '../graphql/context';
import type { Services } from '../services';
import type { RunningClaim } from '../services/idempotency.service';
import { authenticate } from './auth';
import { refuse } from './refusals';

type GraphQLBody = { query?: unknown; operationName?: unknown; variables?: unknown; extensions?: unknown };

/** True when the body's operation is a mutation (queries are safe to repeat: no key needed). */
function isMutation(body: GraphQLBody): boolean {
  if (typeof body?.query !== 'string') return false;
  try {
    const operation = getOperationAST(parse(body.query), typeof body.operationName === 'string' ? body.operationName : undefined);
    return operation?.operation === 'mutation';
  } catch {
    return false; // Apollo answers the parse error
  }
}

function refusal(res: Response, status: number, reason: string, message: string): void {
  refuse(res, reason);
  res
    .status(status)
    .json({ errors: [{ message, extensions: { code: status === 400 ? 'BAD_REQUEST' : 'CONFLICT', requestId: res.locals.requestId } }] });
}

/** An unexpected failure must not be replayed for a day: the retry runs again instead. */
function failedUnexpectedly(status: number, body: string): boolean {
  if (status !== 200) return true;
  try {
    const errors = (JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] }).errors ?? [];
    return errors.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR');
  } catch {
    return true;
  }
}

/** Runs the request through Apollo as the express integration does, keeping the body to store it. */
async function execute(
  apollo: ApolloServer<Context>,
  context: ContextFunction<[ExpressContextFunctionArgument], Context>,
  req: Request,
  res: Response,
): Promise<{ status: number; headers: HeaderMap; body: string }> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers))
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: 'POST', headers, search: '', body: req.body },
    context: () => context({ req, res }),
  });
  let body = '';
  if (response.body.kind === 'complete') body = response.body.string;
  else for await (const chunk of response.body.asyncIterator) body += chunk;
  return { status: response.status ?? 200, headers: response.headers, body };
}

/**
 * `Idempotency-Key` on a mutation: the first response for (API key, idempotency key) is stored
 * and replayed to retries with the same body (`Idempotent-Replayed: true`) without running
 * again; the same key with another body is refused (422, CONFLICT). Requests without the
 * header, queries and anonymous requests pass through untouched.
 */
export function idempotencyMiddleware(
  apollo: ApolloServer<Context>,
  context: ContextFunction<[ExpressContextFunctionArgument], Context>,
  services: Services,
  config: Readonly<Config>,
): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('idempotency-key');
    if (header === undefined || req.method !== 'POST') return next();
    const checked = checkIdempotencyKey(header);
    if ('error' in checked) return refusal(res, 400, 'bad_idempotency_key', checked.error);
    if (!isMutation(req.body)) return next();
    let principal;
    try {
      principal = await authenticate(req, services, config);
    } catch {
      return next(); // Apollo's context refuses the token with its 401
    }
    if (!principal || principal.id === ANONYMOUS.id) return next();
    res.locals.principal = principal;

    let claim: RunningClaim | undefined;
    try {
      const outcome = await services.idempotency.begin(principal.id, checked.key, requestFingerprint(req.body));
      if (outcome.kind === 'mismatch') {
        return refusal(
          res,
          422,
          'idempotency_key_reused',
          `Idempotency-Key "${checked.key}" was used with a different request (operation or variables); send a new key for a new request`,
        );
      }
      if (outcome.kind === 'busy') {
        res.set('Retry-After', '1');
        return refusal(
          res,
          409,
          'idempotency_key_in_use',
          `A request with Idempotency-Key "${checked.key}" is still running; retry in a moment`,
        );
      }
      if (outcome.kind === 'replay') {
        res.status(outcome.status).set('Idempotent-Replayed', 'true').type('application/json').send(outcome.body);
        return;
      }
      claim = outcome.claim;
      const result = await execute(apollo, context, req, res);
      if (failedUnexpectedly(result.status, result.body)) await claim.release();
      else await claim.complete(result.status, result.body);
      claim = undefined;
      for (const [key, value] of result.headers) res.setHeader(key, value);
      res.status(result.status).send(result.body);
    } catch (error) {
      await claim?.release().catch(() => undefined);
      next(error);
    }
  };
}
