import { Mutex } from 'async-mutex';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';

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
function serialized(adapter: Adapter): Adapter {
  const lock = new Mutex();
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

/** The SQLite adapter factory whose connection is used by one statement or transaction at a time. */
export function serializedSqliteAdapter(file: string): PrismaBetterSqlite3 {
  const factory = new PrismaBetterSqlite3({ url: file });
  const connect = factory.connect.bind(factory);
  factory.connect = async () => serialized(await connect());
  return factory;
}
