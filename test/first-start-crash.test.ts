import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { createDatabase, databaseTarget, providerOf } from '../src/db/client';
import { migrate } from '../src/db/migrate';
import { newToken } from '../src/db/repositories/api-key.repository';
import { freshDatabase, type TestDatabase } from './support/databases';
import { listeningPort } from '../bench/server';
import { buildGateway } from './support/gateway-process';

// Stories about a first start cut short by kill -9: wherever it is cut, the next start comes
// up ready on the whole schema. The real entry point, built into a folder of its own (other
// tests rebuild dist/ while this one runs).
const root = join(__dirname, '..');
let mainJs: string;
const KILLS = 10;

interface Gateway {
  child: ChildProcess;
  /** The port it listens on (PORT=0, see support/gateway-process.ts), from its log: null until it listens. */
  port(): number | null;
  output(): string;
}

async function start(url: string, token: string): Promise<Gateway> {
  const child = spawn(process.execPath, [mainJs], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: url,
      BOOTSTRAP_ADMIN_TOKEN: token,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  return { child, port: () => listeningPort(out), output: () => out };
}

async function ready(gateway: Gateway, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gateway.child.exitCode !== null) throw new Error(`exited (${gateway.child.exitCode}): ${gateway.output()}`);
    const port = gateway.port();
    const status =
      port === null
        ? 0
        : await fetch(`http://127.0.0.1:${port}/readyz`).then(
            (r) => r.status,
            () => 0,
          );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms: ${gateway.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stop(gateway: Gateway, signal: NodeJS.Signals): Promise<void> {
  if (gateway.child.exitCode !== null || gateway.child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => gateway.child.once('exit', () => resolve()));
  gateway.child.kill(signal);
  return exited;
}

/** Tables, indexes and triggers by name: what "the whole schema" means here. */
async function schemaOf(url: string): Promise<string[]> {
  const db = createDatabase(databaseTarget(url, 1));
  try {
    const sql =
      providerOf(url) === 'postgres'
        ? `SELECT 'table ' || table_name AS name FROM information_schema.tables WHERE table_schema = 'public'
           UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public'
           UNION ALL SELECT DISTINCT 'trigger ' || trigger_name FROM information_schema.triggers WHERE trigger_schema = 'public'`
        : `SELECT type || ' ' || name AS name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`;
    return (await db.prisma.$queryRawUnsafe<{ name: string }[]>(sql)).map((r) => r.name).sort();
  } finally {
    await db.close();
  }
}

/**
 * Waits until the starting process begins to migrate: the `_prisma_migrations` table exists
 * (on SQLite: the file has its first page; reading it could lock the writer out). Returns when, in ms.
 */
async function migrationStarts(url: string, gateway: Gateway): Promise<number> {
  const started = Date.now();
  const probe = providerOf(url) === 'postgres' ? new Client({ connectionString: url }) : null;
  await probe?.connect();
  try {
    for (;;) {
      if (gateway.child.exitCode !== null) throw new Error(`exited early: ${gateway.output()}`);
      const path = url.replace(/^file:/, '');
      const begun = probe
        ? (await probe.query(`SELECT to_regclass('public._prisma_migrations') IS NOT NULL AS begun`)).rows[0].begun
        : existsSync(path) && statSync(path).size > 0;
      if (begun) return Date.now() - started;
      if (Date.now() - started > 60_000) throw new Error('the migration never started');
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await probe?.end();
  }
}

let expected: string[];
let firstStartMs: number;
const databases: TestDatabase[] = [];

beforeAll(async () => {
  mainJs = buildGateway('crash-test');
  const reference = await freshDatabase();
  databases.push(reference);
  await migrate(reference.url);
  expected = await schemaOf(reference.url);
  // How long an undisturbed first start takes on this machine: the kills fall inside it.
  const timing = await freshDatabase();
  databases.push(timing);
  const started = Date.now();
  const gateway = await start(timing.url, newToken());
  await ready(gateway);
  firstStartMs = Date.now() - started;
  await stop(gateway, 'SIGTERM');
}, 240_000);

afterAll(async () => {
  for (const d of databases) await d.drop();
});

it(`comes up ready on the whole schema after ${KILLS} first starts killed at random points`, async () => {
  const report: string[] = [];
  for (let i = 0; i < KILLS; i++) {
    const database = await freshDatabase();
    databases.push(database);
    const token = newToken();
    const first = await start(database.url, token);
    let killAt: string;
    if (i % 2 === 0) {
      // Anywhere in the middle of the first start (the ends are loading code and listening).
      const ms = Math.round((0.2 + (0.6 * (i + Math.random())) / KILLS) * firstStartMs);
      await new Promise((r) => setTimeout(r, ms));
      killAt = `${ms} ms`;
    } else {
      // Just after the migration begins: inside it, whatever the machine's load.
      const touched = await migrationStarts(database.url, first);
      const ms = Math.round(Math.random() * 300);
      await new Promise((r) => setTimeout(r, ms));
      killAt = `${touched} + ${ms} ms`;
    }
    await stop(first, 'SIGKILL');
    const cut = await schemaOf(database.url).then(
      (s) => `${s.length}/${expected.length} objects`,
      () => 'no database file',
    );
    report.push(`kill at ${killAt}: ${cut}`);

    const second = await start(database.url, token);
    try {
      await ready(second);
      const response = await fetch(`http://127.0.0.1:${second.port()}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ viewer { roles } }' }),
      });
      expect(await response.json()).toEqual({ data: { viewer: { roles: ['ADMIN'] } } });
    } finally {
      await stop(second, 'SIGTERM');
    }
    expect(await schemaOf(database.url)).toEqual(expected);
  }
  console.log(`first start takes ${firstStartMs} ms; ${report.join('; ')}`);
}, 600_000);
