import { createHash, randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { providerOf, sqlitePath } from './client';
import { migrationList } from './schema-engine';
import { assertSqliteFile } from './sqlite-file';

/** One committed migration folder: its name, its SQL and Prisma's checksum of that SQL. */
export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** The committed migrations of a database's provider, in the order they apply. */
export function committedMigrations(url: string): Migration[] {
  return migrationList(providerOf(url)).migrationDirectories.map((m) => {
    const content = m.migrationFile.content;
    if (content.tag !== 'ok') throw new Error(`Cannot read ${m.path}/migration.sql`);
    return { name: m.path, sql: content.value, checksum: createHash('sha256').update(content.value).digest('hex') };
  });
}

/**
 * The PostgreSQL advisory lock that serialises migrating processes: the key Prisma's own schema
 * engine takes, so a gateway and a `prisma migrate deploy` never migrate at the same time either.
 */
export const MIGRATION_LOCK_KEY = 72707369;

/**
 * Applies the committed migrations that the database lacks, recording them in
 * `_prisma_migrations` as `prisma migrate deploy` would (same table, same checksums), and
 * returns their names. Each migration and its bookkeeping row commit as ONE transaction, so a
 * process killed mid-migration leaves the migration either wholly applied and recorded or not
 * at all, and the next start simply applies it (Prisma's engine records a migration as started,
 * runs it statement by statement, then marks it finished: a kill in between left a "failed
 * migration" it refused forever, and on PostgreSQL a partial schema). On PostgreSQL an advisory
 * lock keeps two processes from migrating at once; on SQLite `BEGIN IMMEDIATE` does.
 * Idempotent. A migration must therefore run inside a transaction (no CREATE INDEX CONCURRENTLY).
 */
export async function migrate(url: string, migrations: Migration[] = committedMigrations(url)): Promise<string[]> {
  assertSqliteFile(url);
  return providerOf(url) === 'postgres' ? migratePostgres(url, migrations) : migrateSqlite(sqlitePath(url), migrations);
}

const POSTGRES_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

const SQLITE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

type Row = { migration_name: string; finished: boolean | number; rolled_back: boolean | number };
const APPLIED = `SELECT "migration_name", "finished_at" IS NOT NULL AS finished, "rolled_back_at" IS NOT NULL AS rolled_back FROM "_prisma_migrations"`;

/** Names applied for good; a failed row (left by another tool) stops the start with what to do. */
function appliedNames(rows: Row[]): Set<string> {
  const failed = rows.find((r) => !r.finished && !r.rolled_back);
  if (failed) {
    throw new Error(
      `Migration ${failed.migration_name} was left failed by an earlier run of another tool; repair the schema, then mark it with ` +
        '`prisma migrate resolve --rolled-back` (or --applied) and start again',
    );
  }
  return new Set(rows.filter((r) => r.finished && !r.rolled_back).map((r) => r.migration_name));
}

async function migratePostgres(url: string, migrations: Migration[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const applied: string[] = [];
  try {
    // Released when this session ends, even if the process is killed.
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    await client.query(POSTGRES_TABLE);
    const done = appliedNames((await client.query<Row>(APPLIED)).rows);
    for (const m of migrations.filter((m) => !done.has(m.name))) {
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "started_at", "applied_steps_count")
           VALUES ($1, $2, now(), $3, now(), 1)`,
          [randomUUID(), m.checksum, m.name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw new Error(`Migration ${m.name} failed and was rolled back: ${(error as Error).message}`, { cause: error });
      }
      applied.push(m.name);
    }
  } finally {
    await client.end();
  }
  return applied;
}

async function migrateSqlite(path: string, migrations: Migration[]): Promise<string[]> {
  const db = new BetterSqlite3(path);
  const applied: string[] = [];
  try {
    db.pragma('busy_timeout = 30000');
    // Persistent: every later connection to the file logs ahead (db/sqlite-adapter.ts).
    if (path !== ':memory:') db.pragma('journal_mode = WAL');
    // Off outside the transaction (inside it the pragma is a no-op): a migration that rebuilds
    // a table must not cascade deletes from it. foreign_key_check below verifies the result.
    db.pragma('foreign_keys = OFF');
    db.exec(SQLITE_TABLE);
    for (const m of migrations) {
      // IMMEDIATE: the write lock first, so a second process waits and then sees this one's rows.
      db.exec('BEGIN IMMEDIATE');
      try {
        if (appliedNames(db.prepare(APPLIED).all() as Row[]).has(m.name)) {
          db.exec('ROLLBACK');
          continue;
        }
        db.exec(m.sql);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length) throw new Error(`it leaves ${broken.length} rows with dangling foreign keys`);
        const now = new Date().toISOString().replace('Z', '+00:00');
        db.prepare(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "started_at", "applied_steps_count")
           VALUES (?, ?, ?, ?, ?, 1)`,
        ).run(randomUUID(), m.checksum, now, m.name, now);
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw new Error(`Migration ${m.name} failed and was rolled back: ${(error as Error).message}`, { cause: error });
      }
      applied.push(m.name);
    }
  } finally {
    db.close();
  }
  return applied;
}
