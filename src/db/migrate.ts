import { openSchemaEngine, migrationList, noFilters } from './schema-engine';
import { assertSqliteFile } from './sqlite-file';

/**
 * Applies the committed migrations that the database lacks, recording them in
 * `_prisma_migrations` exactly as `prisma migrate deploy` would. Idempotent.
 */
export async function migrate(url: string): Promise<string[]> {
  assertSqliteFile(url);
  const { engine, provider, close } = await openSchemaEngine(url);
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList: migrationList(provider),
      filters: noFilters,
    });
    return appliedMigrationNames;
  } finally {
    await close();
  }
}
