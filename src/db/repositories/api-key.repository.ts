import { createHash, randomBytes } from 'node:crypto';
import type { Tx } from '../client';
import { parseRoles, type Principal, type Role } from '../../domain/roles';

/** 32 random bytes, base64url, with a prefix that secret scanners can recognise. */
export function newToken(): string {
  return 'mg_' + randomBytes(32).toString('base64url');
}

/** Tokens carry 256 bits of entropy, so a fast hash is enough; only the hash is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function toPrincipal(row: { id: number; name: string; roles: string }): Principal {
  return { id: row.id, name: row.name, roles: parseRoles(row.roles) };
}

/** The active principal a token belongs to, or null when it is unknown or revoked. */
export async function principalForToken(db: Tx, token: string): Promise<Principal | null> {
  const row = await db.apiKey.findUnique({ where: { tokenHash: hashToken(token) } });
  return row && !row.revokedAt ? toPrincipal(row) : null;
}

export async function insertApiKey(db: Tx, name: string, roles: Role[], token: string, createdBy: string) {
  const row = await db.apiKey.create({
    data: { name, roles: roles.join(','), tokenHash: hashToken(token), createdBy },
  });
  return toPrincipal(row);
}
