import { randomBytes } from 'node:crypto';
import type { Db } from '../src/db/client';
import { insertApiKey, newToken } from '../src/db/repositories/api-key.repository';
import { Role } from '../src/domain/roles';

export interface BenchKeys {
  admin: string;
  viewer: string;
  /** Bots that request transitions. */
  contributors: string[];
  /** Bots that approve them (never their own: self-approval is refused by default). */
  approvers: string[];
}

/**
 * Fresh keys for this run: only hashes are stored, so a reused database cannot give back the
 * tokens of an earlier run. Names carry a run tag to stay unique.
 */
export async function createKeys(prisma: Db, bots: number): Promise<BenchKeys> {
  const tag = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const key = async (name: string, roles: Role[]) => {
    const token = newToken();
    await insertApiKey(prisma, `bench-${tag}-${name}`, roles, token, 'bench');
    return token;
  };
  const admin = await key('admin', [Role.ADMIN]);
  const viewer = await key('viewer', [Role.VIEWER]);
  const contributors: string[] = [];
  const approvers: string[] = [];
  for (let i = 0; i < bots; i++) {
    contributors.push(await key(`contributor-${i}`, [Role.CONTRIBUTOR]));
    approvers.push(await key(`approver-${i}`, [Role.APPROVER]));
  }
  return { admin, viewer, contributors, approvers };
}
