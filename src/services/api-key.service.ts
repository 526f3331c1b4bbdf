import type { Database, Tx } from '../db/client';
import {
  findApiKeyByName,
  insertApiKey,
  listApiKeys,
  lockActiveAdmins,
  newToken,
  principalForTokenHash,
  revokeApiKeyRow,
  toPrincipal,
} from '../db/repositories/api-key.repository';
import { hashToken } from '../db/repositories/api-key.repository';
import { recordAudit } from '../db/repositories/audit.repository';
import { ApiKeyCache } from './api-key-cache';
import { decideRevoke, validateKeyName, validateRoles } from '../domain/api-keys';
import { notFound } from '../domain/errors';
import { hasRole, Role, type Principal } from '../domain/roles';
import { uniquely } from './errors';

/**
 * API keys: a new key's token is returned once and only its hash is stored. The token never
 * enters an audit event, an error message or a log line; audit details name the key instead.
 */
export class ApiKeyService {
  private readonly cache: ApiKeyCache;

  /** cacheMs: how long a checked key is trusted without reading the database (0: never; see ApiKeyCache). */
  constructor(
    private readonly db: Database,
    cacheMs = 0,
  ) {
    this.cache = new ApiKeyCache(cacheMs);
  }

  /** The active principal a bearer token belongs to, or null when it is unknown or revoked; read through `tx`. */
  authenticate(token: string, tx: Tx = this.db.prisma): Promise<Principal | null> {
    const hash = hashToken(token);
    return this.cache.through(hash, () => principalForTokenHash(tx, hash));
  }

  /** Every key with its roles and state, by name; never a token (only hashes are stored). */
  async list(): Promise<{ name: string; roles: Role[]; createdBy: string; createdAt: Date; revokedAt: Date | null }[]> {
    const rows = await listApiKeys(this.db.prisma);
    return rows.map((row) => ({ ...toPrincipal(row), createdBy: row.createdBy, createdAt: row.createdAt, revokedAt: row.revokedAt }));
  }

  async create(actor: { name: string }, input: { name: string; roles: Role[] }): Promise<{ principal: Principal; token: string }> {
    const name = validateKeyName(input.name);
    const roles = validateRoles(input.roles);
    const token = newToken();
    const principal = await uniquely(
      () =>
        this.db.prisma.$transaction(async (tx) => {
          const created = await insertApiKey(tx, name, roles, token, actor.name);
          await recordAudit(tx, { action: 'API_KEY_CREATED', actor: actor.name, details: { name, roles } });
          return created;
        }),
      `An API key named "${name}" exists already`,
    );
    return { principal, token };
  }

  /**
   * Revokes a key by name: its token is refused from the next request on. Revoking a key that
   * is revoked already changes nothing (and records nothing). The last active ADMIN key cannot
   * be revoked (CONFLICT), so the registry never loses its administrator.
   */
  /** Returns the revoked key's row id and name; revoking a revoked key changes nothing. */
  async revoke(actor: { name: string }, name: string): Promise<{ id: number; name: string }> {
    try {
      return await this.revokeInTransaction(actor, name);
    } finally {
      // After the commit: from now on no request of this process is let in by a cached check.
      this.cache.invalidate();
    }
  }

  private revokeInTransaction(actor: { name: string }, name: string): Promise<{ id: number; name: string }> {
    return this.db.prisma.$transaction(async (tx) => {
      const key = await findApiKeyByName(tx, name);
      if (!key) throw notFound(`No API key named "${name}"`);
      if (key.revokedAt) return { id: key.id, name: key.name };
      const activeAdmins = await lockActiveAdmins(tx);
      const current = await findApiKeyByName(tx, name);
      if (!current || current.revokedAt) return { id: key.id, name: key.name };
      decideRevoke({ revokingAdmin: hasRole(toPrincipal(current), Role.ADMIN), activeAdmins });
      await revokeApiKeyRow(tx, current.id, new Date());
      await recordAudit(tx, {
        action: 'API_KEY_REVOKED',
        actor: actor.name,
        details: { name: current.name, roles: toPrincipal(current).roles },
      });
      return { id: current.id, name: current.name };
    });
  }
}
