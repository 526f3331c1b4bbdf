import type { AuthChecker } from 'type-graphql';
import { requireRole, Role } from '../domain/roles';
import type { Context } from './context';

/** `@Authorized(Role.X)`: the principal must hold X or a higher role (throws the right code). */
export const authChecker: AuthChecker<Context, Role> = ({ context }, roles) => {
  requireRole(context.principal, roles[0] ?? Role.VIEWER);
  return true;
};
