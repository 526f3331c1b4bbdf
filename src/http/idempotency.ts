import type { ApolloServer } from '@apollo/server';
import type { RequestHandler, Response } from 'express';
import { getOperationAST, parse } from 'graphql';
import type { Config } from '../config';
import type { Counted } from '../db/client';
import { checkIdempotencyKey, requestFingerprint } from '../domain/idempotency';
import { ANONYMOUS } from '../domain/roles';
import type { Context } from '../graphql/context';
import type { Services } from '../services';
import type { RunningClaim } from '../services/idempotency.service';
import { authenticate } from './auth';
import { runApollo, writeAnswer, type HttpContext } from './graphql-route';
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

/**
 * `Idempotency-Key` on a mutation: the first response for (API key, idempotency key) is stored
 * and replayed to retries with the same body (`Idempotent-Replayed: true`) without running
 * again; the same key with another body is refused (422, CONFLICT). Requests without the
 * header, queries and anonymous requests pass through untouched.
 */
export function idempotencyMiddleware(
  apollo: ApolloServer<Context>,
  context: HttpContext,
  services: Services,
  config: Readonly<Config>,
): RequestHandler {
  const statements = (res: Response) => String((res.locals.statements as Counted).count);
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
        res
          .status(outcome.status)
          .set({ 'Idempotent-Replayed': 'true', 'x-sql-statements': statements(res) })
          .type('application/json')
          .send(outcome.body);
        return;
      }
      claim = outcome.claim;
      const result = await runApollo(apollo, context, req, res);
      if (failedUnexpectedly(result.status, result.body)) await claim.release();
      else await claim.complete(result.status, result.body);
      claim = undefined;
      // Apollo stamped the count before the response was stored: count that statement too.
      result.headers.set('x-sql-statements', statements(res));
      writeAnswer(res, result);
    } catch (error) {
      await claim?.release().catch(() => undefined);
      next(error);
    }
  };
}
