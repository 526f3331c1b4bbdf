import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { serializedSqliteAdapter } from './sqlite-adapter';
import { PrismaClient as SqliteClient } from './generated/sqlite/client';
import { PrismaClient as PostgresClient } from './generated/postgres/client';

/** Both generated clients share the models; repositories are written against one type. */
export type Db = SqliteClient;
/** A Prisma client or the transaction client handed to `$transaction(fn)`. */
export type Tx = Omit<Db, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export type Provider = 'sqlite' | 'postgres';

/** Counts SQL statements, in total and for the request whose async context runs them. */
export interface StatementEvent {
  query: string;
  /** When it started and how long it ran, as Prisma reports it. */
  timestamp: Date;
  durationMs: number;
}

export class StatementCounter {
  total = 0;
  private readonly scope = new AsyncLocalStorage<{ count: number }>();
  /** Called in the async context of the statement's request (tracing makes SQL spans here). */
  observer: ((event: StatementEvent) => void) | undefined;

  record(event?: StatementEvent): void {
    this.total += 1;
    const current = this.scope.getStore();
    if (current) current.count += 1;
    if (event && this.observer) this.observer(event);
  }

  /** Runs fn with its own count; `counted.count` is read when the request ends. */
  run<T>(counted: { count: number }, fn: () => T): T {
    return this.scope.run(counted, fn);
  }
}

export interface Database {
  prisma: Db;
  provider: Provider;
  /** The connection string: event listeners open their own connection with it. */
  url: string;
  statements: StatementCounter;
  close(): Promise<void>;
}

// The provider of each client createDatabase made: hand-written SQL (db/sql.ts) speaks its dialect.
const providers = new WeakMap<object, Provider>();

/** The database a client created by createDatabase talks to. */
export function providerOfClient(db: Tx): Provider {
  const provider = providers.get(db);
  if (!provider) throw new Error('not a client made by createDatabase');
  return provider;
}

export function providerOf(url: string): Provider {
  return /^postgres(ql)?:\/\//.test(url) ? 'postgres' : 'sqlite';
}

/** The path of a `file:` URL (relative to the working directory); its folder is created. */
export function sqlitePath(url: string): string {
  const file = url.replace(/^file:/, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  return file;
}

/** Marks a hand-written hot statement (db/sql.ts): PostgreSQL prepares it once per connection. */
export const PREPARED = '/* mg:prepared */ ';

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

export interface DatabaseOptions {
  url: string;
  /** PostgreSQL pool size per gateway process. */
  poolSize?: number;
}

export function createDatabase({ url, poolSize = 10 }: DatabaseOptions): Database {
  const provider = providerOf(url);
  const statements = new StatementCounter();
  const log: [{ emit: 'event'; level: 'query' }] = [{ emit: 'event', level: 'query' }];
  // Interactive transactions wait for row locks under concurrent approvals: allow for that.
  const transactionOptions = { maxWait: 10_000, timeout: 20_000 };
  let prisma: Db;
  if (provider === 'postgres') {
    const adapter = new PrismaPg({ connectionString: url, max: poolSize }, { statementNameGenerator: preparedName });
    prisma = new PostgresClient({ adapter, log, transactionOptions }) as unknown as Db;
  } else {
    const adapter = serializedSqliteAdapter(sqlitePath(url));
    prisma = new SqliteClient({ adapter, log, transactionOptions });
  }
  providers.set(prisma, provider);
  type QueryEvent = { query: string; timestamp: Date; duration: number | bigint };
  (prisma as unknown as { $on(e: 'query', cb: (e: QueryEvent) => void): void }).$on('query', (e) =>
    // The event is built only for an observer: with tracing off a statement costs what it did.
    statements.record(statements.observer && { query: e.query, timestamp: new Date(e.timestamp), durationMs: Number(e.duration) }),
  );
  return { prisma, provider, url, statements, close: () => prisma.$disconnect() };
}
