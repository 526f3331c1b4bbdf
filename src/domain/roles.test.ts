import { DomainError } from './errors';
import { ANONYMOUS, requireAnyRole, Role, type Principal } from './roles';

const who = (...roles: Role[]): Principal => ({ id: 7, name: 'p', roles });
const outcome = (principal: Principal | null, roles: Role[]) => {
  try {
    requireAnyRole(principal, roles);
    return 'OK';
  } catch (e) {
    return e instanceof DomainError ? e.code : 'THROWN';
  }
};

describe('requireAnyRole', () => {
  it.each<[string, Principal | null, Role[], string]>([
    ['the one role needed', who(Role.APPROVER), [Role.APPROVER], 'OK'],
    ['a higher role', who(Role.ADMIN), [Role.CONTRIBUTOR], 'OK'],
    ['the second of two listed roles', who(Role.CONTRIBUTOR), [Role.ADMIN, Role.CONTRIBUTOR], 'OK'],
    ['one of several roles held', who(Role.VIEWER, Role.APPROVER), [Role.APPROVER], 'OK'],
    ['none of the listed roles', who(Role.VIEWER), [Role.ADMIN, Role.APPROVER], 'FORBIDDEN'],
    ['no token', null, [Role.VIEWER], 'UNAUTHENTICATED'],
    ['an anonymous reader asked to write', ANONYMOUS, [Role.CONTRIBUTOR], 'UNAUTHENTICATED'],
    ['an anonymous reader reading', ANONYMOUS, [Role.ADMIN, Role.VIEWER], 'OK'],
  ])('%s', (_name, principal, roles, expected) => {
    expect(outcome(principal, roles)).toBe(expected);
  });
});
