import { createHash, randomBytes } from 'node:crypto';
import { PREPARED, providerOfClient, type Tx } from '../client';
import { dialect } from '../sql';
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
export function principalForToken(db: Tx, token: string): Promise<Principal | null> {
  return principalForTokenHash(db, hashToken(token));
}

/** principalForToken, for a token already hashed. */
export async function principalForTokenHash(db: Tx, tokenHash: string): Promise<Principal | null> {
  // Hand-written: a request reads its key on the driver, not through Prisma's client.
  const p = dialect(providerOfClient(db)).param;
  const [row] = await db.$queryRawUnsafe<{ id: number; name: string; roles: string }[]>(
    `${PREPARED}SELECT "id", "name", "roles" FROM "ApiKey" WHERE "tokenHash" = ${p(1)} AND "revokedAt" IS NULL`,
    tokenHash,
  );
  return row ? toPrincipal({ ...row, id: Number(row.id) }) : null;
}

export async function insertApiKey(db: Tx, name: string, roles: Role[], token: string, createdBy: string) {
  const row = await db.apiKey.create({
    data: { name, roles: roles.join(','), tokenHash: hashToken(token), createdBy },
  });
  return toPrincipal(row);
}

export type ApiKeyRow = Awaited<ReturnType<Tx['apiKey']['findUniqueOrThrow']>>;

export function findApiKeyByName(db: Tx, name: string): Promise<ApiKeyRow | null> {
  return db.apiKey.findUnique({ where: { name } });
}

/** Active keys by id (for `node`); a revoked key's principal no longer resolves. */
export function findActiveApiKeysByIds(db: Tx, ids: readonly number[]): Promise<ApiKeyRow[]> {
  return db.apiKey.findMany({ where: { id: { in: [...ids] }, revokedAt: null } });
}

/**
 * Locks every active ADMIN key row (a no-op UPDATE) and counts them. Two admins revoking each
 * other at once then serialize: under PostgreSQL the second waits for the first to commit and
 * re-evaluates its WHERE, so it no longer counts the key just revoked. Roles are stored
 * comma-separated; no other role name contains "ADMIN".
 */
export async function lockActiveAdmins(tx: Tx): Promise<number> {
  const { count } = await tx.apiKey.updateMany({ where: { revokedAt: null, roles: { contains: 'ADMIN' } }, data: { revokedAt: null } });
  return count;
}

export async function revokeApiKeyRow(tx: Tx, id: number, at: Date): Promise<void> {
  await tx.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
}

/** Every key, revoked ones too, by name (for `npm run token -- list`). */
export function listApiKeys(db: Tx): Promise<ApiKeyRow[]> {
  return db.apiKey.findMany({ orderBy: { name: 'asc' } });
}
