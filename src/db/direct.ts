import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import type { Provider } from './target';

/** Marks a hand-written hot statement (db/sql.ts): PostgreSQL prepares it once per connection. */
export const PREPARED = '/* mg:prepared */ ';

/** What counts statements (client.ts's StatementCounter): each one, with an event for an observer. */
export interface StatementRecorder {
  record(event?: { query: string; timestamp: Date; durationMs: number }): void;
  observer: unknown;
}

/**
 * Hand-written SQL on the driver itself, for the write path that runs most (governance
 * decisions): one transaction, statements built by SqlBuilder, rows as the driver returns them.
 * Prisma's client costs a few hundred microseconds of CPU per statement (query interpretation,
 * result mapping), more than the statements themselves; this path pays none of it. It shares
 * Prisma's connections: on SQLite the one serialized connection and its lock
 * (sqlite-adapter.ts), on PostgreSQL the pool (adapters.ts). Every statement is counted like
 * Prisma's, BEGIN and COMMIT included.
 */
export interface SqlRunner {
  readonly provider: Provider;
  /** The rows of one statement (SQLite: dates as text, booleans as 0/1; PostgreSQL: dates as Date, json parsed). */
  rows<T = Record<string, unknown>>(statement: BuiltSql): Promise<T[]>;
  /** Runs one statement; returns the rows it changed. */
  run(statement: BuiltSql): Promise<number>;
  /**
   * Runs the transaction's last statement and commits: on PostgreSQL in one round trip. Nothing
   * may run after it; returns the rows it changed.
   */
  finish(statement: BuiltSql): Promise<number>;
}

export interface DirectSql {
  readonly provider: Provider;
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (sql: SqlRunner) => Promise<T>): Promise<T>;
  /** The rows of one read outside any transaction (as SqlRunner.rows returns them). */
  query<T = Record<string, unknown>>(statement: BuiltSql): Promise<T[]>;
}

export interface BuiltSql {
  text: string;
  params: unknown[];
  /** SQLite: the text binds `?` by position (Prisma's texts), not `?N` (SqlBuilder's). */
  positional?: boolean;
}

/**
 * A value as the driver takes it, stored as Prisma stores it: a date as UTC text (with `+00:00`
 * on SQLite; PostgreSQL ignores the zone of a `timestamp without time zone`, so the text is UTC's
 * wall clock), a boolean as 0/1 on SQLite.
 */
export function driverValue(provider: Provider, value: unknown): unknown {
  if (value instanceof Date) return provider === 'sqlite' ? value.toISOString().replace('Z', '+00:00') : value.toISOString();
  if (typeof value === 'boolean' && provider === 'sqlite') return value ? 1 : 0;
  return value;
}

/**
 * A statement written for Prisma's raw reads, for the driver: PostgreSQL takes `$N` texts as
 * they are, SQLite `?` by position. Values are converted as Prisma's adapters convert them
 * (dates to UTC text, booleans to 0/1 on SQLite); rows come back as the driver gives them.
 */
export function fromPrisma(provider: Provider, text: string, values: readonly unknown[]): BuiltSql {
  const params = values.map((value) => driverValue(provider, value));
  return { text, params, positional: provider === 'sqlite' };
}

/**
 * Builds one statement's text and parameters for a dialect: `$1` on PostgreSQL, `?1` on SQLite,
 * values converted as Prisma stores them (dates as ISO text with +00:00 on SQLite, booleans as
 * 0/1). PostgreSQL gets explicit casts, so that values in a VALUES list have their column's type.
 */
export class SqlBuilder {
  readonly params: unknown[] = [];
  constructor(readonly provider: Provider) {}

  private placeholder(value: unknown, pgType: string | null): string {
    this.params.push(value);
    const n = this.params.length;
    if (this.provider === 'sqlite') return `?${n}`;
    return pgType ? `CAST($${n} AS ${pgType})` : `$${n}`;
  }

  text(value: string | null): string {
    return this.placeholder(value, 'TEXT');
  }
  int(value: number | null): string {
    return this.placeholder(value, 'INTEGER');
  }
  bool(value: boolean): string {
    return this.placeholder(driverValue(this.provider, value), this.provider === 'sqlite' ? null : 'BOOLEAN');
  }
  /** A DateTime column's value, in UTC. */
  date(value: Date | null): string {
    return this.placeholder(driverValue(this.provider, value), 'TIMESTAMP(3)');
  }
  /** A value of one of the schema's enums (a text column on SQLite). */
  enum(value: string, type: string): string {
    return this.placeholder(value, `"${type}"`);
  }
  /** A list of integers, for `IN (...)`. */
  ints(values: readonly number[]): string {
    return values.map((v) => this.int(v)).join(', ');
  }
  build(text: string): BuiltSql {
    return { text, params: this.params };
  }
}

function recorder(statements: StatementRecorder): (text: string, started: number) => void {
  return (text, started) =>
    // As Prisma's query events: the event is built only for an observer (tracing).
    statements.record(statements.observer ? { query: text, timestamp: new Date(started), durationMs: Date.now() - started } : undefined);
}

/** The SQLite connection Prisma's adapter opened (sqlite-adapter.ts), and the lock that serializes it. */
export interface SqliteConnection {
  /** Opens the connection if Prisma has not yet; `prepare` is the driver's own (Prisma's is wrapped). */
  connection(): Promise<{ db: BetterSqlite3.Database; prepare: BetterSqlite3.Database['prepare'] }>;
  lock<T>(fn: () => Promise<T>): Promise<T>;
}

/** At most `size` values by key, the least recently used dropped first; `create` makes a missing one. */
export function lruCache<V>(size: number, create: (key: string) => V): (key: string) => V {
  const cache = new Map<string, V>();
  return (key) => {
    let value = cache.get(key);
    if (value !== undefined) cache.delete(key);
    else {
      value = create(key);
      if (cache.size >= size) cache.delete(cache.keys().next().value!);
    }
    cache.set(key, value);
    return value;
  };
}

/** Statement texts kept prepared: the write path's are few, but their lists vary in length. */
const STATEMENTS_KEPT = 200;

export function sqliteDirect(connection: SqliteConnection, statements: StatementRecorder): DirectSql {
  const counted = recorder(statements);
  let prepare: BetterSqlite3.Database['prepare'];
  const statement = lruCache(STATEMENTS_KEPT, (text) =>
    // Numbers as numbers: the ids and counts of this path fit in a double.
    prepare(text).safeIntegers(false),
  );
  // better-sqlite3 binds ?N from an object keyed by N.
  const numbered = (params: unknown[]) => Object.fromEntries(params.map((value, i) => [i + 1, value]));
  return {
    provider: 'sqlite',
    async query<R>({ text, params, positional }: BuiltSql): Promise<R[]> {
      prepare = (await connection.connection()).prepare;
      // Alone on the connection, like Prisma's statements (sqlite-adapter.ts): never inside another's transaction.
      return connection.lock(async () => {
        const started = Date.now();
        const rows = statement(text).all(positional ? params : numbered(params)) as R[];
        counted(text, started);
        return rows;
      });
    },
    async transaction<T>(fn: (sql: SqlRunner) => Promise<T>): Promise<T> {
      const opened = await connection.connection();
      const db = opened.db;
      prepare = opened.prepare;
      const exec = (text: string) => {
        const started = Date.now();
        db.exec(text);
        counted(text, started);
      };
      const runner: SqlRunner = {
        provider: 'sqlite',
        rows: async <R>({ text, params }: BuiltSql) => {
          const started = Date.now();
          const rows = statement(text).all(numbered(params)) as R[];
          counted(text, started);
          return rows;
        },
        run: async ({ text, params }: BuiltSql) => {
          const started = Date.now();
          const { changes } = statement(text).run(numbered(params));
          counted(text, started);
          return changes;
        },
        // In process: the COMMIT that follows costs no round trip.
        finish: (built: BuiltSql) => runner.run(built),
      };
      return connection.lock(async () => {
        // IMMEDIATE: the write lock at once, so that another process's writer waits for it
        // (busy_timeout) instead of failing to upgrade a read lock later.
        exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(runner);
          exec('COMMIT');
          return result;
        } catch (error) {
          if (db.inTransaction) exec('ROLLBACK');
          throw error;
        }
      });
    },
  };
}

// `timestamp without time zone` values are UTC here (SqlBuilder.date): read them as UTC too.
const TIMESTAMP_OID = 1114;

/** A parameter written into the text, for the simple protocol (which takes none). */
function literal(value: unknown, escape: (text: string) => string): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return escape(value);
  throw new TypeError(`No SQL literal for ${typeof value}`);
}

/**
 * PostgreSQL: each statement is one round trip (the extended protocol, prepared once per pooled
 * connection as a named statement), except at both ends of the transaction. BEGIN waits for the
 * first statement and goes with it, and the last statement (finish) goes with COMMIT, each pair
 * as one simple-protocol message with its parameters written in as escaped literals: a decision
 * costs three round trips instead of five. Each statement is still counted.
 */
export function postgresDirect(pool: pg.Pool, statements: StatementRecorder, types: typeof pg.types): DirectSql {
  const counted = recorder(statements);
  const nameOf = lruCache(STATEMENTS_KEPT, (text) => `mgd_${createHash('sha1').update(text).digest('base64url')}`);
  const parsers = {
    getTypeParser: ((oid: number, format?: string) =>
      oid === TIMESTAMP_OID
        ? (value: string) => new Date(value + 'Z')
        : types.getTypeParser(oid, format as 'text')) as typeof types.getTypeParser,
  };
  return {
    provider: 'postgres',
    async query<R>({ text, params }: BuiltSql): Promise<R[]> {
      const started = Date.now();
      // Only marked texts are prepared: the others vary (lists of ids), and would pile up per connection.
      const name = text.startsWith(PREPARED) ? nameOf(text) : undefined;
      const result = await pool.query({ text, values: params, types: parsers, name });
      counted(text, started);
      return result.rows as R[];
    },
    async transaction<T>(fn: (sql: SqlRunner) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let begun = false;
      let finished = false;
      const inline = ({ text, params }: BuiltSql) =>
        text.replace(/\$(\d+)/g, (_, n: string) => literal(params[Number(n) - 1], (t) => client.escapeLiteral(t)));
      /** Several statements in one simple-protocol message; the rows changed by `counting` (its index). */
      const together = async (texts: string[], counting: number): Promise<number> => {
        const started = Date.now();
        const result = (await client.query({ text: texts.join(';\n'), types: parsers })) as unknown as pg.QueryResult | pg.QueryResult[];
        for (const text of texts) counted(text, started);
        return (Array.isArray(result) ? result[counting] : result)?.rowCount ?? 0;
      };
      const extended = async (built: BuiltSql) => {
        if (!begun) {
          begun = true;
          await together(['BEGIN'], 0);
        }
        const started = Date.now();
        const result = await client.query({ text: built.text, values: built.params, types: parsers, name: nameOf(built.text) });
        counted(built.text, started);
        return result;
      };
      const runner: SqlRunner = {
        provider: 'postgres',
        rows: async <R>(built: BuiltSql) => (await extended(built)).rows as R[],
        run: async (built: BuiltSql) => {
          if (begun) return (await extended(built)).rowCount ?? 0;
          begun = true;
          return together(['BEGIN', inline(built)], 1);
        },
        finish: async (built: BuiltSql) => {
          finished = true;
          return together([...(begun ? [] : ['BEGIN']), inline(built), 'COMMIT'], begun ? 0 : 1);
        },
      };
      let broken: Error | undefined;
      try {
        const result = await fn(runner);
        if (begun && !finished) await together(['COMMIT'], 0);
        return result;
      } catch (error) {
        if (begun) await together(['ROLLBACK'], 0).catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      } finally {
        // A connection that could not roll back is closed rather than handed to the next request.
        client.release(broken);
      }
    },
  };
}
