import { badInput, conflict } from './errors';
import { Role } from './roles';

/**
 * API key names become actor names in every audit event and `createdBy`: short, printable,
 * no white space, and never one of the names the system acts as itself.
 */
const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;
const RESERVED = new Set(['anonymous', 'bootstrap', 'cli']);

export function validateKeyName(name: string): string {
  if (!KEY_NAME.test(name)) {
    throw badInput('An API key name is 1 to 100 letters, digits, ".", "_", "@" or "-", starting with a letter or digit', { field: 'name' });
  }
  if (RESERVED.has(name.toLowerCase())) throw badInput(`"${name}" is reserved`, { field: 'name' });
  return name;
}

/** At least one role; duplicates collapse, kept in rank order. */
export function validateRoles(roles: readonly Role[]): Role[] {
  const valid = Object.values(Role);
  if (!roles.length) throw badInput('An API key needs at least one role', { field: 'roles' });
  for (const role of roles) if (!valid.includes(role)) throw badInput(`Unknown role ${String(role)}`, { field: 'roles' });
  return valid.filter((r) => roles.includes(r));
}

/**
 * Revoking is refused when it would leave no active ADMIN key: nobody could then create keys or
 * set policies again short of restarting with a new BOOTSTRAP_ADMIN_TOKEN. An admin may revoke
 * their own key while another admin remains.
 */
export function decideRevoke(args: { revokingAdmin: boolean; activeAdmins: number }): void {
  if (args.revokingAdmin && args.activeAdmins <= 1) {
    throw conflict('This is the last active ADMIN key; create another ADMIN key before revoking it');
  }
}
