import { Mutex } from 'async-mutex';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { lruCache, type SqliteConnection } from './direct';

type Adapter = Awaited<ReturnType<PrismaBetterSqlite3['connect']>>;
type Transaction = Awaited<ReturnType<Adapter['startTransaction']>>;

/**
 * better-sqlite3 is one connection. Prisma's adapter serializes transactions among
 * themselves, but a plain query from another request runs on the same connection while a
 * transaction is open: it reads that transaction's uncommitted rows, and its own write
 * becomes part of it and is lost if the transaction rolls back (as every refused mutation
 * does). One lock for the connection makes each transaction, and each statement outside
 * one, run alone: on SQLite a transaction is as isolated as on PostgreSQL.
 */
function serialized(adapter: Adapter, lock: Mutex): Adapter {
  const exclusive =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A) =>
      lock.runExclusive(() => fn(...args));

  const startTransaction: Adapter['startTransaction'] = async (isolationLevel) => {
    const release = await lock.acquire();
    try {
      return releasingOnEnd(await adapter.startTransaction(isolationLevel), release);
    } catch (error) {
      release();
      throw error;
    }
  };
  const overrides: Partial<Adapter> = {
    queryRaw: exclusive(adapter.queryRaw.bind(adapter)),
    executeRaw: exclusive(adapter.executeRaw.bind(adapter)),
    executeScript: exclusive(adapter.executeScript.bind(adapter)),
    startTransaction,
  };
  return new Proxy(adapter, {
    get: (target, key, receiver) => (key in overrides ? overrides[key as keyof Adapter] : Reflect.get(target, key, receiver)),
  });
}

/** The transaction gives the connection back once Prisma has committed or rolled it back. */
function releasingOnEnd(tx: Transaction, release: () => void): Transaction {
  const end = (fn: () => Promise<void>) => async () => {
    try {
      await fn();
    } finally {
      release();
    }
  };
  const overrides: Partial<Transaction> = { commit: end(tx.commit.bind(tx)), rollback: end(tx.rollback.bind(tx)) };
  return new Proxy(tx, {
    get: (target, key, receiver) => (key in overrides ? overrides[key as keyof Transaction] : Reflect.get(target, key, receiver)),
  });
}

/** Prepared statements kept per connection: the application's statement texts are few. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Prisma's adapter prepares every statement anew (`prepare(sql).bind(args)`, then `run()` or
 * `raw().all()`): parsing and planning cost more than running most of ours. This keeps each
 * text's prepared statement and binds the arguments per call instead (`prepare("BEGIN").run()`
 * binds none), which better-sqlite3 allows for a statement that is not iterating (the adapter
 * never iterates). Least recently used first out.
 */
function reusingStatements(db: BetterSqlite3.Database): BetterSqlite3.Database['prepare'] {
  const prepare = db.prepare.bind(db);
  const cached = lruCache(STATEMENT_CACHE_SIZE, (sql) => prepare(sql));
  const bound = (statement: BetterSqlite3.Statement, args: unknown[]) => ({
    reader: statement.reader,
    columns: () => statement.columns(),
    run: () => statement.run(args),
    raw: () => ({ all: () => statement.raw(true).all(args) }),
  });
  (db as unknown as { prepare: (sql: string) => unknown }).prepare = (sql: string) => {
    const statement = cached(sql);
    return { ...bound(statement, []), bind: (args: unknown[]) => bound(statement, args) };
  };
  return prepare;
}

/**
 * Write-ahead logging (set by the migrator, db/migrate.ts; it stays with the file): a commit
 * appends to the log instead of rewriting pages through a rollback journal (1.3 ms of fsyncs per
 * commit on the benchmark's machine), and readers of other processes do not block the writer.
 * `synchronous = NORMAL` is WAL's usual setting: a commit is not fsynced, so a power loss or an
 * OS crash (never a crash of the process) can lose the last transactions, never corrupt the
 * file; SQLITE_SYNCHRONOUS=FULL fsyncs every commit instead.
 */
export type SqliteSynchronous = 'NORMAL' | 'FULL';

/**
 * The SQLite adapter factory whose connection is used by one statement or transaction at a time,
 * and that connection with its lock for the hand-written write path (direct.ts). `connect` opens
 * the connection through Prisma when the write path needs it first.
 */
export function serializedSqliteAdapter(
  file: string,
  synchronous: SqliteSynchronous = 'NORMAL',
): { adapter: PrismaBetterSqlite3; connection: (connect: () => Promise<void>) => SqliteConnection } {
  const factory = new PrismaBetterSqlite3({ url: file });
  const connectAdapter = factory.connect.bind(factory);
  const lock = new Mutex();
  let opened: { db: BetterSqlite3.Database; prepare: BetterSqlite3.Database['prepare'] } | undefined;
  factory.connect = async () => {
    const adapter = await connectAdapter();
    const db = (adapter as unknown as { client: BetterSqlite3.Database }).client;
    db.pragma(`synchronous = ${synchronous}`);
    opened = { db, prepare: reusingStatements(db) };
    return serialized(adapter, lock);
  };
  const connection = (connect: () => Promise<void>): SqliteConnection => ({
    async connection() {
      if (!opened) await connect();
      return opened!;
    },
    lock: (fn) => lock.runExclusive(fn),
  });
  return { adapter: factory, connection };
}
