import type { AuthChecker } from 'type-graphql';
import { requireAnyRole, Role } from '../domain/roles';
import type { Context } from './context';

/** `@Authorized(Role.X, ...)`: the principal passes when any listed role suffices; none listed means VIEWER. */
export const authChecker: AuthChecker<Context, Role> = ({ context }, roles) => {
  requireAnyRole(context.principal, roles.length ? roles : [Role.VIEWER]);
  return true;
};
