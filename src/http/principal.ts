import type { Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Config } from '../config';
import type { Tx } from '../db/client';
import type { Principal } from '../domain/roles';
import type { Services } from '../services';
import { authenticate, bearerToken } from './auth';

export interface PrincipalDeps {
  services: Services;
  config: Readonly<Config>;
  logger: Logger;
  registry: Registry;
}

/**
 * The principal of a request, with a trace of every failure. A refused token is logged at warn
 * with the request id, the client's address and the reason (never the token) and counted in
 * `modelgate_auth_failures_total`. A failure to look the token up (the database is down) is
 * logged at error with the request id and answered 500 with that id: it happens while Apollo
 * builds the context, before any plugin could log it.
 */
export function principalResolver({ services, config, logger, registry }: PrincipalDeps) {
  const failures = new Counter({
    name: 'modelgate_auth_failures_total',
    help: 'Requests refused because their credentials were malformed, unknown or revoked',
    labelNames: ['reason'],
    registers: [registry],
  });
  return async (req: Request, res: Response, tx?: Tx): Promise<Principal | null> => {
    const requestId: string = res.locals.requestId;
    try {
      return await authenticate(req, services, config, tx);
    } catch (error) {
      if (error instanceof GraphQLError && error.extensions.code === 'UNAUTHENTICATED') {
        const reason = bearerToken(req) === null ? 'malformed_header' : 'unknown_or_revoked_token';
        failures.inc({ reason });
        logger.warn({ requestId, client: req.socket.remoteAddress, reason }, 'authentication refused');
        throw error;
      }
      logger.error({ requestId, err: error }, 'could not resolve the API token');
      throw new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR', requestId, http: { status: 500 } } });
    }
  };
}
