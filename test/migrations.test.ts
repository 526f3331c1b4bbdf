import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { loadConfig } from '../src/config';
import { createDatabase, databaseTarget, providerOf, type Database } from '../src/db/client';
import { committedMigrations, migrate } from '../src/db/migrate';
import { recordAudit } from '../src/db/repositories/audit.repository';
import { migrationList, noFilters, openSchemaEngine, schemaFiles } from '../src/db/schema-engine';
import { createGateway, type Gateway } from '../src/http/app';
import { createLogger } from '../src/http/logger';
import { freshDatabase, testProvider, type TestDatabase } from './support/databases';

// Stories about the database's shape: the committed migrations, and nothing else, make it.
const itSqlite = testProvider() === 'sqlite' ? it : it.skip;
let database: TestDatabase;
let db: Database | undefined;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await db?.close();
  await database.drop();
});

const committed = () => migrationList(databaseTarget(database.url).provider).migrationDirectories;

describe('migrations on a fresh database', () => {
  it('answers /readyz with 503 until the migrations are applied', async () => {
    const config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', DB_POOL_SIZE: '2' });
    const unmigrated = createDatabase(databaseTarget(database.url, 2));
    let gateway: Gateway | undefined;
    try {
      gateway = await createGateway(config, unmigrated, createLogger('silent'));
      const port = await gateway.listen(0, '127.0.0.1');
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: expect.any(String) });
    } finally {
      if (gateway) await gateway.stop();
      else await unmigrated.close();
    }
  });

  it('applies every committed migration and records it in _prisma_migrations', async () => {
    const names = committed().map((m) => m.path);
    expect(names.length).toBeGreaterThan(0);
    expect(await migrate(database.url)).toEqual(names);

    db = createDatabase(databaseTarget(database.url, 2));
    const rows = await db.prisma.$queryRawUnsafe<
      { migration_name: string; checksum: string; finished_at: unknown; rolled_back_at: unknown }[]
    >('SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name');
    // The checksums `prisma migrate deploy` writes (SHA-256 of migration.sql), so the CLI agrees.
    const expected = committed().map((m) => ({
      migration_name: m.path,
      checksum: createHash('sha256')
        .update((m.migrationFile.content as { value: string }).value)
        .digest('hex'),
    }));
    expect(rows.map(({ migration_name, checksum }) => ({ migration_name, checksum }))).toEqual(expected);
    for (const row of rows) {
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
    }
  });

  itSqlite('leaves a SQLite database in write-ahead-log mode, which its connections keep', async () => {
    const [{ journal_mode }] = await db!.prisma.$queryRawUnsafe<{ journal_mode: string }[]>('PRAGMA journal_mode');
    expect(journal_mode).toBe('wal');
    // NORMAL (1) unless SQLITE_SYNCHRONOUS says FULL (2).
    const [{ synchronous }] = await db!.prisma.$queryRawUnsafe<{ synchronous: number | bigint }[]>('PRAGMA synchronous');
    expect(Number(synchronous)).toBe(1);
  });

  it('applies nothing the second time', async () => {
    expect(await migrate(database.url)).toEqual([]);
    const [{ n }] = await db!.prisma.$queryRawUnsafe<{ n: number | bigint }[]>('SELECT COUNT(*) AS n FROM _prisma_migrations');
    expect(Number(n)).toBe(committed().length);
  });

  it('agrees with Prisma: its schema engine (what `prisma migrate deploy` runs) finds nothing to apply', async () => {
    // The engine locks a SQLite file exclusively, which a WAL database refuses while another
    // connection is open: like `prisma migrate deploy`, it runs with the gateway stopped.
    await db?.close();
    db = undefined;
    const { engine, provider, close } = await openSchemaEngine(database.url);
    try {
      const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList: migrationList(provider), filters: noFilters });
      expect(appliedMigrationNames).toEqual([]);
    } finally {
      await close();
    }
  });

  it('has no drift: pushing prisma/models.prisma onto the migrated database changes nothing', async () => {
    const { engine, provider, close } = await openSchemaEngine(database.url);
    try {
      const pushed = await engine.schemaPush({ schema: schemaFiles(provider), force: false, filters: noFilters });
      if (pushed.executedSteps !== 0 || pushed.unexecutable.length || pushed.warnings.length) {
        throw new Error(
          'The committed migrations do not produce prisma/models.prisma: run `npm run db:migration -- short_name` and commit it. ' +
            JSON.stringify(pushed),
        );
      }
      expect(pushed.executedSteps).toBe(0);
    } finally {
      await close();
    }
  });
});

describe('a migration is one atomic unit', () => {
  let other: TestDatabase;
  beforeAll(async () => {
    other = await freshDatabase();
  });
  afterAll(() => other.drop());

  const tablesOf = async (url: string): Promise<string[]> => {
    const probe = createDatabase(databaseTarget(url, 1));
    try {
      const sql =
        providerOf(url) === 'postgres'
          ? `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`
          : `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1`;
      return (await probe.prisma.$queryRawUnsafe<{ name: string }[]>(sql)).map((r) => r.name);
    } finally {
      await probe.close();
    }
  };

  it('two processes migrating one fresh database at once apply each migration once', async () => {
    const [first, second] = await Promise.all([migrate(other.url), migrate(other.url)]);
    const names = committedMigrations(other.url).map((m) => m.name);
    expect([...first, ...second].sort()).toEqual(names);
    expect(await migrate(other.url)).toEqual([]);
  });

  it('a migration that fails half way leaves nothing behind, neither its tables nor its row, and the next start goes on', async () => {
    const before = await tablesOf(other.url);
    const broken = {
      name: '29991231000000_broken',
      sql: 'CREATE TABLE "HalfDone" ("id" INTEGER NOT NULL PRIMARY KEY);\nINSERT INTO "NoSuchTable" VALUES (1);',
      checksum: '0'.repeat(64),
    };
    await expect(migrate(other.url, [...committedMigrations(other.url), broken])).rejects.toThrow(
      /29991231000000_broken failed and was rolled back/,
    );
    expect(await tablesOf(other.url)).toEqual(before);
    const fixed = { ...broken, sql: 'CREATE TABLE "HalfDone" ("id" INTEGER NOT NULL PRIMARY KEY);' };
    expect(await migrate(other.url, [...committedMigrations(other.url), fixed])).toEqual([broken.name]);
    expect(await tablesOf(other.url)).toEqual([...before, 'HalfDone'].sort());
  });
});

/**
 * The trigger's own message: PostgreSQL puts it in the error; on SQLite Prisma files a trigger's
 * RAISE(ABORT) under "foreign key constraint" and keeps the message in the driver's cause.
 */
async function refusedAsAppendOnly(write: Promise<unknown>): Promise<void> {
  const error = await write.then(
    () => null,
    (e: unknown) => e as { message: string; meta?: unknown },
  );
  expect(error).not.toBeNull();
  expect(`${error!.message} ${JSON.stringify(error!.meta ?? {})}`).toContain('audit events are append-only');
}

describe('the audit trail', () => {
  it('is append-only in the database itself: UPDATE and DELETE of an AuditEvent fail', async () => {
    db ??= createDatabase(databaseTarget(database.url, 2));
    const prisma = db.prisma;
    await prisma.$transaction((tx) =>
      recordAudit(tx, { action: 'MODEL_CREATED', actor: 'alice', modelName: 'm', details: { description: null, tags: [] } }),
    );
    const event = await prisma.auditEvent.findFirstOrThrow({ where: { actor: 'alice' } });

    await refusedAsAppendOnly(prisma.auditEvent.update({ where: { id: event.id }, data: { actor: 'mallory' } }));
    await refusedAsAppendOnly(prisma.auditEvent.delete({ where: { id: event.id } }));
    await refusedAsAppendOnly(prisma.auditEvent.deleteMany({}));
    await refusedAsAppendOnly(prisma.$executeRawUnsafe(`UPDATE "AuditEvent" SET "details" = '{}' WHERE "id" = ${event.id}`));
    await refusedAsAppendOnly(prisma.$executeRawUnsafe(`DELETE FROM "AuditEvent" WHERE "id" = ${event.id}`));

    expect(await prisma.auditEvent.findUniqueOrThrow({ where: { id: event.id } })).toEqual(event);
    expect(await prisma.auditEvent.count()).toBe(1);
  });
});
