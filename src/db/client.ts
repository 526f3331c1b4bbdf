import type { PrismaPg } from '@prisma/adapter-pg';
import type { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { clientAdapter } from './adapters';
import { fromPrisma, type DirectSql } from './direct';
import { Prisma } from './generated/sqlite/client';
import { PrismaClient as SqliteClient } from './generated/sqlite/client';
import { PrismaClient as PostgresClient } from './generated/postgres/client';
import type { DatabaseTarget, Provider } from './target';
import { StatementCounter, type Counted, type RawReads } from './statement-counter';

export type { DatabaseTarget, Provider } from './target';
export { databaseTarget, providerOf, sqlitePath } from './target';
export { PREPARED } from './adapters';
export { StatementCounter, type Counted, type StatementEvent } from './statement-counter';

/** Both generated clients share the models; repositories are written against one type. */
export type Db = SqliteClient;
/** A Prisma client or the transaction client handed to `$transaction(fn)`. */
export type Tx = Omit<Db, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export interface Database {
  prisma: Db;
  provider: Provider;
  /** The connection string: event listeners open their own connection with it. */
  url: string;
  statements: StatementCounter;
  /** The client a request reads through, counting its statements in `counted` (StatementCounter.client). */
  countingClient(counted: Counted): Tx;
  /** Hand-written SQL on the driver itself, for the hottest writes and reads (direct.ts). */
  direct: DirectSql;
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

export function createDatabase(target: DatabaseTarget): Database {
  const statements = new StatementCounter();
  const log: [{ emit: 'event'; level: 'query' }] = [{ emit: 'event', level: 'query' }];
  // Interactive transactions wait for row locks under concurrent approvals: allow for that.
  const transactionOptions = { maxWait: 10_000, timeout: 20_000 };
  const { adapter, direct } = clientAdapter(target);
  const prisma =
    target.provider === 'postgres'
      ? (new PostgresClient({ adapter: adapter as PrismaPg, log, transactionOptions }) as unknown as Db)
      : new SqliteClient({ adapter: adapter as PrismaBetterSqlite3, log, transactionOptions });
  providers.set(prisma, target.provider);
  type QueryEvent = { query: string; timestamp: Date; duration: number | bigint };
  (prisma as unknown as { $on(e: 'query', cb: (e: QueryEvent) => void): void }).$on('query', (e) =>
    // The event is built only for an observer: with tracing off a statement costs what it did.
    statements.record(statements.observer && { query: e.query, timestamp: new Date(e.timestamp), durationMs: Number(e.duration) }),
  );
  const sql = direct(statements, () => prisma.$connect());
  // A request's raw reads (the hot ones: hand-written JSON reads) run on the driver, not through Prisma.
  const raw: RawReads = {
    $queryRaw: (query, ...values) => {
      const built = Array.isArray(query) ? Prisma.sql(query as TemplateStringsArray, ...values) : (query as Prisma.Sql);
      return sql.query(fromPrisma(target.provider, target.provider === 'postgres' ? built.text : built.sql, built.values));
    },
    $queryRawUnsafe: (text, ...values) => sql.query(fromPrisma(target.provider, text, values)),
  };
  const countingClient = (counted: Counted) => {
    const client = statements.client(prisma, counted, raw);
    providers.set(client, target.provider);
    return client;
  };
  return {
    prisma,
    provider: target.provider,
    url: target.url,
    statements,
    countingClient,
    direct: sql,
    close: () => prisma.$disconnect(),
  };
}
