import type { Database } from '../db/client';
import { hashToken, insertApiKey, newToken } from '../db/repositories/api-key.repository';
import { recordAudit } from '../db/repositories/audit.repository';
import { Role } from '../domain/roles';

export type BootstrapResult = { created: false } | { created: true; name: string; generatedToken?: string };

/**
 * Makes sure an administrator exists. With BOOTSTRAP_ADMIN_TOKEN: its key is created unless a
 * key with that token exists already (a revoked one stays revoked). Without it, an empty key
 * table gets an `admin` key with a generated token, which the caller prints once.
 * Replicas starting together race safely: the key name is unique, the loser creates nothing.
 */
export async function bootstrapAdmin(db: Database, configuredToken?: string): Promise<BootstrapResult> {
  const { prisma } = db;
  if (configuredToken) {
    if (await prisma.apiKey.findUnique({ where: { tokenHash: hashToken(configuredToken) } })) return { created: false };
    const name = 'bootstrap-admin-' + hashToken(configuredToken).slice(0, 8);
    return createAdmin(db, name, configuredToken);
  }
  if ((await prisma.apiKey.count()) > 0) return { created: false };
  const token = newToken();
  const result = await createAdmin(db, 'admin', token);
  return result.created ? { ...result, generatedToken: token } : result;
}

async function createAdmin(db: Database, name: string, token: string): Promise<BootstrapResult> {
  try {
    await db.prisma.$transaction(async (tx) => {
      await insertApiKey(tx, name, [Role.ADMIN], token, 'bootstrap');
      await recordAudit(tx, { action: 'API_KEY_CREATED', actor: 'bootstrap', details: { name, roles: [Role.ADMIN] } });
    });
    return { created: true, name };
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') return { created: false };
    throw error;
  }
}
