import type { Request } from 'express';
import { GraphQLError } from 'graphql';
import type { Config } from '../config';
import type { Tx } from '../db/client';
import { ANONYMOUS, type Principal } from '../domain/roles';
import type { Services } from '../services';

/** The token of `Authorization: Bearer <token>`; undefined without the header, null when it is malformed. */
export function bearerToken(req: Request): string | null | undefined {
  const header = req.get('authorization');
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
  return match ? match[1] : null;
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/**
 * The principal a request acts as: the API key of its bearer token, anonymous when it has none
 * and anonymous reads are on, or null (every field then refuses). A bad token is refused outright.
 * The key is read through `tx` when given (a request's counting client).
 */
export async function authenticate(req: Request, services: Services, config: Readonly<Config>, tx?: Tx): Promise<Principal | null> {
  const token = bearerToken(req);
  if (token === null) throw unauthenticated('The Authorization header must be "Bearer <token>"');
  if (token !== undefined) {
    const principal = await services.apiKeys.authenticate(token, tx);
    if (!principal) throw unauthenticated('The API token is unknown or revoked');
    return principal;
  }
  return config.allowAnonymousRead ? ANONYMOUS : null;
}
