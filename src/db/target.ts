import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** The two databases modelgate runs on. */
export type Provider = 'sqlite' | 'postgres';

/**
 * Where the data lives, parsed once from DATABASE_URL (config.ts): a SQLite file or a PostgreSQL
 * server, with the pool size of PostgreSQL connections per process. Adapters are built from it
 * in one place (adapters.ts), for the application's client and for the migrator alike.
 */
export type DatabaseTarget =
  | {
      provider: 'sqlite';
      url: string;
      /** Relative to the working directory. */
      file: string;
      poolSize: number;
      /** When commits reach the disk (sqlite-adapter.ts); NORMAL unless said. */
      synchronous?: 'NORMAL' | 'FULL';
    }
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

/** The provider of a database URL. */
export function providerOf(url: string): Provider {
  return databaseTarget(url).provider;
}

/** The file of a SQLite URL (relative to the working directory); its folder is created. */
export function sqlitePath(url: string): string {
  const target = databaseTarget(url);
  if (target.provider !== 'sqlite') throw new DatabaseUrlError(`${url} is not a SQLite URL`);
  if (target.file !== ':memory:') mkdirSync(dirname(target.file), { recursive: true });
  return target.file;
}
