/** The two databases modelgate runs on. */
export type Provider = 'sqlite' | 'postgres';

/**
 * Where the data lives, parsed once from DATABASE_URL (config.ts): a SQLite file or a PostgreSQL
 * server, with the pool size of PostgreSQL connections per process. Adapters are built from it
 * in one place (adapters.ts), for the application's client and for the migrator alike.
 */
export type DatabaseTarget =
  | { provider: 'sqlite'; url: string; /** Relative to the working directory. */ file: string; poolSize: number }
  | { provider: 'postgres'; url: string; poolSize: number };

export class DatabaseUrlError extends Error {}

const SQLITE = /^file:(.+)$/;
const POSTGRES = /^postgres(ql)?:\/\/.+$/;

/** Parses a database URL: `file:<path>` (SQLite) or `postgres[ql]://...` (PostgreSQL). */
export function databaseTarget(url: string, poolSize = 10): DatabaseTarget {
  if (POSTGRES.test(url)) return { provider: 'postgres', url, poolSize };
  const file = SQLITE.exec(url)?.[1];
  if (file) return { provider: 'sqlite', url, file, poolSize };
  throw new DatabaseUrlError('DATABASE_URL must be file:<path> (SQLite) or postgres[ql]://... (PostgreSQL)');
}
