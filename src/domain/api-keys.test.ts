import { decideRevoke, validateKeyName, validateRoles } from './api-keys';
import { DomainError } from './errors';
import { Role } from './roles';

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof DomainError ? e.code : 'THROWN';
  }
}

describe('validateKeyName', () => {
  it.each<[string, string | null]>([
    ['deploy-bot', null],
    ['alice@example.com', null],
    ['ci.runner_2', null],
    ['a'.repeat(100), null],
    ['', 'BAD_USER_INPUT'],
    [' bot', 'BAD_USER_INPUT'],
    ['two words', 'BAD_USER_INPUT'],
    ['-dash', 'BAD_USER_INPUT'],
    ['a'.repeat(101), 'BAD_USER_INPUT'],
    ['tab\tname', 'BAD_USER_INPUT'],
    ['anonymous', 'BAD_USER_INPUT'],
    ['Bootstrap', 'BAD_USER_INPUT'],
  ])('%j gives %s', (name, expected) => {
    expect(codeOf(() => validateKeyName(name))).toBe(expected);
  });
});

describe('validateRoles', () => {
  it('needs one role and collapses duplicates in rank order', () => {
    expect(codeOf(() => validateRoles([]))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => validateRoles(['ROOT' as Role]))).toBe('BAD_USER_INPUT');
    expect(validateRoles([Role.ADMIN, Role.VIEWER, Role.ADMIN])).toEqual([Role.VIEWER, Role.ADMIN]);
  });
});

describe('decideRevoke', () => {
  it.each<[boolean, number, string | null]>([
    [false, 0, null],
    [false, 1, null],
    [true, 2, null],
    [true, 1, 'CONFLICT'],
  ])('revoking an admin=%s with %i active admins gives %s', (revokingAdmin, activeAdmins, expected) => {
    expect(codeOf(() => decideRevoke({ revokingAdmin, activeAdmins }))).toBe(expected);
  });
});
