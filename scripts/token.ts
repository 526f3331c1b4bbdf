// npm run token -- create NAME ROLE...   creates an API key on DATABASE_URL and prints its token once.
// npm run token -- revoke NAME           revokes one (refused for the last active ADMIN key).
// Migrates first, so it works on a fresh database before the gateway ever started.
import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { createDatabase } from '../src/db/client';
import { migrate } from '../src/db/migrate';
import { DomainError } from '../src/domain/errors';
import type { Role } from '../src/domain/roles';
import { ApiKeyService } from '../src/services/api-key.service';

const USAGE = 'usage: npm run token -- create NAME ROLE... | revoke NAME   (roles: VIEWER CONTRIBUTOR APPROVER ADMIN)';
/** Audit events of keys made here name this actor. */
const actor = { name: 'cli' };

async function run(args: string[]): Promise<number> {
  const [command, name, ...rest] = args;
  if (!name || (command !== 'create' && command !== 'revoke') || (command === 'revoke' && rest.length)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  await migrate(config.database.url);
  const db = createDatabase({ ...config.database, poolSize: 1 });
  const keys = new ApiKeyService(db);
  try {
    if (command === 'create') {
      const roles = rest.map((r) => r.toUpperCase() as Role);
      const { principal, token } = await keys.create(actor, { name, roles });
      console.error(`created API key "${principal.name}" with roles ${principal.roles.join(', ')}; its token, shown only this once:`);
      // The token alone on stdout, and last: `TOKEN=$(npm run --silent token -- create ... | tail -n 1)`
      // (the build before it prints Prisma's generator lines on stdout too).
      console.log(token);
    } else {
      console.error(`revoked API key "${await keys.revoke(actor, name)}"`);
    }
    return 0;
  } catch (error) {
    if (error instanceof DomainError) {
      console.error(`${error.code}: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await db.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error('token: failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
