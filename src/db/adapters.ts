import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PREPARED, postgresDirect, sqliteDirect, type DirectSql, type StatementRecorder } from './direct';
import { serializedSqliteAdapter } from './sqlite-adapter';
import type { DatabaseTarget } from './target';

/**
 * PostgreSQL's catalog reports kinds in its one-byte `"char"` type (pg_constraint.contype ...),
 * which @prisma/adapter-pg cannot map, so every command that reads the database's schema
 * (schemaPush, introspect, the drift test) failed with "Column type 'char' could not be
 * deserialized". pg hands those values over as strings already: call them text.
 */
const CHAR_OID = 18;
const TEXT_OID = 25;
type Fields = { fields?: { dataTypeID: number }[] };
function charAsText<T>(result: T): T {
  for (const r of (Array.isArray(result) ? result : [result]) as Fields[]) {
    for (const field of r?.fields ?? []) if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
  }
  return result;
}
class CatalogClient extends pg.Client {
  // pg-pool calls query(text, values, callback); the adapter calls query(config) for a promise.
  query(...args: unknown[]): never {
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as (error: unknown, result: unknown) => void;
      args[last] = (error: unknown, result: unknown) => callback(error, error ? result : charAsText(result));
    }
    const returned = (super.query as (...a: unknown[]) => unknown)(...args);
    return (returned instanceof Promise ? returned.then(charAsText) : returned) as never;
  }
}

export { PREPARED } from './direct';

/**
 * A name for the statements marked PREPARED, so that each pooled connection plans them once
 * (a generic plan after a few runs) instead of on every request: a page's children statement
 * costs several milliseconds to plan. Their texts are few (one per combination of parts), so
 * the prepared statements per connection stay bounded; every other statement stays unnamed.
 */
function preparedName(query: { sql: string }): string {
  return query.sql.startsWith(PREPARED)
    ? `mg_${createHash('sha1').update(query.sql).digest('base64url')}`
    : (undefined as unknown as string);
}

/**
 * The one place driver adapters are built. The application's client gets the pool size of the
 * target and, on SQLite, the serialized connection (sqlite-adapter.ts); the migrator (the schema
 * engine) two connections that read the catalog, and a plain SQLite connection.
 */
export function adapterFactory(target: DatabaseTarget, role: 'client' | 'migrator'): PrismaPg | PrismaBetterSqlite3 {
  if (role === 'client') return clientAdapter(target).adapter;
  if (target.provider === 'postgres') return new PrismaPg({ connectionString: target.url, max: 2, Client: CatalogClient as never });
  if (target.file !== ':memory:') mkdirSync(dirname(target.file), { recursive: true });
  return new PrismaBetterSqlite3({ url: target.file });
}

/** The application's adapter, and the hand-written write path on the same connections (direct.ts). */
export function clientAdapter(target: DatabaseTarget): {
  adapter: PrismaPg | PrismaBetterSqlite3;
  direct: (statements: StatementRecorder, connect: () => Promise<void>) => DirectSql;
} {
  if (target.provider === 'postgres') {
    const pool = new pg.Pool({ connectionString: target.url, max: target.poolSize });
    return {
      // One pool (types differ only between two copies of @types/pg): Prisma and direct.ts share it.
      adapter: new PrismaPg(pool as never, { statementNameGenerator: preparedName, disposeExternalPool: true }),
      direct: (statements) => postgresDirect(pool, statements, pg.types),
    };
  }
  if (target.file !== ':memory:') mkdirSync(dirname(target.file), { recursive: true });
  const { adapter, connection } = serializedSqliteAdapter(target.file, target.synchronous);
  return { adapter, direct: (statements, connect) => sqliteDirect(connection(connect), statements) };
}
