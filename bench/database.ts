import { existsSync, rmSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import { Client } from 'pg';
import { databaseTarget, type Provider } from '../src/db/client';
import type { SeedParams } from './dataset';

/**
 * What the benchmark finds in the database it was given, before it touches anything: the
 * benchmark wipes only a database that is empty or that it seeded itself (it leaves a
 * BENCH_SEED_STARTED audit event before writing anything, and BENCH_SEEDED when done).
 */
export interface Inspection {
  provider: Provider;
  /** No tables at all (or no file). */
  empty: boolean;
  /** A previous benchmark run started seeding it. */
  benchOwned: boolean;
  /** The parameters of the last completed seed, if any. */
  seeded: SeedParams | null;
}

export const SEED_STARTED = 'BENCH_SEED_STARTED';
export const SEEDED = 'BENCH_SEEDED';

const MARKERS_SQL = `SELECT action, details FROM "AuditEvent" WHERE action IN ('${SEED_STARTED}', '${SEEDED}') ORDER BY id`;

type MarkerRow = { action: string; details: string };

function fromMarkers(provider: Provider, tables: number, rows: MarkerRow[]): Inspection {
  const last = rows.at(-1);
  const seeded = last?.action === SEEDED ? (JSON.parse(last.details) as { params: SeedParams }).params : null;
  return { provider, empty: tables === 0, benchOwned: rows.length > 0, seeded };
}

/** The schema a PostgreSQL URL points at (Prisma's `?schema=`), public by default. */
export function pgSchema(url: string): string {
  const schema = new URL(url).searchParams.get('schema') ?? 'public';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) throw new Error(`unsupported schema name "${schema}"`);
  return schema;
}

/** A pg client on a Prisma-style URL (pg does not know Prisma's `schema` parameter). */
function pgClient(url: string): Client {
  const clean = new URL(url);
  clean.searchParams.delete('schema');
  return new Client({ connectionString: clean.toString() });
}

export async function inspect(url: string): Promise<Inspection> {
  const target = databaseTarget(url);
  const provider = target.provider;
  if (target.provider === 'sqlite') {
    const file = target.file;
    if (!existsSync(file)) return { provider, empty: true, benchOwned: false, seeded: null };
    const db = new Sqlite(file, { readonly: true, fileMustExist: true });
    try {
      const tables = (db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number }).n;
      const hasAudit = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'AuditEvent'`).get();
      return fromMarkers(provider, tables, hasAudit ? (db.prepare(MARKERS_SQL).all() as MarkerRow[]) : []);
    } finally {
      db.close();
    }
  }
  const client = pgClient(url);
  await client.connect();
  try {
    const schema = pgSchema(url);
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1', [
      schema,
    ]);
    const tables = Number(rows[0].n);
    const { rows: audit } = await client.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [
      schema,
      'AuditEvent',
    ]);
    const markers = audit.length
      ? (await client.query<MarkerRow>(MARKERS_SQL.replace('"AuditEvent"', `"${schema}"."AuditEvent"`))).rows
      : [];
    return fromMarkers(provider, tables, markers);
  } finally {
    await client.end();
  }
}

/** Empties the database: deletes the SQLite file, or drops and recreates the PostgreSQL schema. */
export async function wipe(url: string): Promise<void> {
  const target = databaseTarget(url);
  if (target.provider === 'sqlite') {
    const file = target.file;
    for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    return;
  }
  const schema = pgSchema(url);
  const client = pgClient(url);
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await client.end();
  }
}

/** The URL without its password, for reports. */
export function redact(url: string): string {
  if (databaseTarget(url).provider === 'sqlite') return url;
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** "SQLite 3.x" or "PostgreSQL 15.x", for the report. */
export async function serverVersion(url: string): Promise<string> {
  if (databaseTarget(url).provider === 'sqlite') {
    const db = new Sqlite(':memory:');
    try {
      return `SQLite ${(db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v}`;
    } finally {
      db.close();
    }
  }
  const client = pgClient(url);
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0].server_version.split(' ')[0]}`;
  } finally {
    await client.end();
  }
}
