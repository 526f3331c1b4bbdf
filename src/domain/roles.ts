import { forbidden, unauthenticated } from './errors';

export enum Role {
  VIEWER = 'VIEWER',
  CONTRIBUTOR = 'CONTRIBUTOR',
  APPROVER = 'APPROVER',
  ADMIN = 'ADMIN',
}

/** Roles are ranked: each can do all that the ones below it can. */
const rank: Record<Role, number> = { VIEWER: 1, CONTRIBUTOR: 2, APPROVER: 3, ADMIN: 4 };

export interface Principal {
  /** The API key's id; 0 for the anonymous reader. */
  id: number;
  name: string;
  roles: Role[];
}

export const ANONYMOUS: Principal = Object.freeze({ id: 0, name: 'anonymous', roles: [Role.VIEWER] }) as Principal;

export function hasRole(principal: Principal, needed: Role): boolean {
  return principal.roles.some((role) => rank[role] >= rank[needed]);
}

/** Throws unless the principal (null: no token, anonymous reads off) holds `needed` or higher. */
export function requireRole(principal: Principal | null, needed: Role): Principal {
  if (!principal || (principal.id === ANONYMOUS.id && needed !== Role.VIEWER)) {
    throw unauthenticated('An API token is required: send Authorization: Bearer <token>');
  }
  if (!hasRole(principal, needed)) throw forbidden(`This needs the ${needed} role or higher`);
  return principal;
}

/**
 * Throws unless the principal holds at least one of `roles` (or a higher one); when none
 * suffices, the error is the one the first of them gives.
 */
export function requireAnyRole(principal: Principal | null, roles: readonly Role[]): Principal {
  let first: unknown = null;
  for (const role of roles) {
    try {
      return requireRole(principal, role);
    } catch (error) {
      first ??= error;
    }
  }
  throw first ?? new Error('requireAnyRole needs at least one role');
}

export function parseRoles(value: string): Role[] {
  return value.split(',').filter((r): r is Role => r in rank);
}
