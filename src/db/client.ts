import { AsyncLocalStorage } from 'node:async_hooks';
import type { PrismaPg } from '@prisma/adapter-pg';
import type { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { adapterFactory } from './adapters';
import { PrismaClient as SqliteClient } from './generated/sqlite/client';
import { PrismaClient as PostgresClient } from './generated/postgres/client';
import type { DatabaseTarget, Provider } from './target';

export type { DatabaseTarget, Provider } from './target';
export { databaseTarget } from './target';

/** Both generated clients share the models; repositories are written against one type. */
export type Db = SqliteClient;
/** A Prisma client or the transaction client handed to `$transaction(fn)`. */
export type Tx = Omit<Db, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/** Counts SQL statements, in total and for the request whose async context runs them. */
export class StatementCounter {
  total = 0;
  private readonly scope = new AsyncLocalStorage<{ count: number }>();

  record(): void {
    this.total += 1;
    const current = this.scope.getStore();
    if (current) current.count += 1;
  }

  /** Runs fn with its own count; `counted.count` is read when the request ends. */
  run<T>(counted: { count: number }, fn: () => T): T {
    return this.scope.run(counted, fn);
  }
}

export interface Database {
  prisma: Db;
  provider: Provider;
  statements: StatementCounter;
  close(): Promise<void>;
}

export function createDatabase(target: DatabaseTarget): Database {
  const statements = new StatementCounter();
  const log: [{ emit: 'event'; level: 'query' }] = [{ emit: 'event', level: 'query' }];
  // Interactive transactions wait for row locks under concurrent approvals: allow for that.
  const transactionOptions = { maxWait: 10_000, timeout: 20_000 };
  const adapter = adapterFactory(target, 'client');
  const prisma =
    target.provider === 'postgres'
      ? (new PostgresClient({ adapter: adapter as PrismaPg, log, transactionOptions }) as unknown as Db)
      : new SqliteClient({ adapter: adapter as PrismaBetterSqlite3, log, transactionOptions });
  (prisma as unknown as { $on(e: 'query', cb: () => void): void }).$on('query', () => statements.record());
  return { prisma, provider: target.provider, statements, close: () => prisma.$disconnect() };
}
