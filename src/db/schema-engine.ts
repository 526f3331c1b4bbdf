import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine, MigrationList } from '@prisma/schema-engine-wasm';
import { adapterFactory } from './adapters';
import { databaseTarget, type Provider } from './target';
import type * as SchemaEngineWasm from '@prisma/schema-engine-wasm';
import { migrationsDir, modelsFile, projectRoot } from './paths';

/**
 * Prisma's schema engine compiled to WASM: migrations without the native engine binary that
 * the CLI would download. Instantiated by hand so that Node 20 needs no WASM-modules flag.
 */
type WasmGlobal = { WebAssembly: { instantiate(bytes: Buffer, imports: object): Promise<{ instance: { exports: object } }> } };

let engineModule: Promise<typeof SchemaEngineWasm> | undefined;
function loadEngineModule() {
  engineModule ??= (async () => {
    // require() of this ES module works on Node >= 20.19 (Jest compiles it: see jest.config.js).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bg = require('@prisma/schema-engine-wasm/schema_engine_bg');
    const wasmPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg').replace(/\.js$/, '.wasm');
    const { instance } = await (globalThis as unknown as WasmGlobal).WebAssembly.instantiate(readFileSync(wasmPath), {
      './schema_engine_bg.js': withUnrefTimers(bg),
    });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
    return bg;
  })();
  return engineModule;
}

/**
 * The engine arms a 10 s timer per PostgreSQL operation and never clears it (its glue imports no
 * clearTimeout), which would hold a finished process (a test worker, a CLI) open for 10 s.
 * Its timers guard the engine's own futures, so unref'd ones change nothing while work runs.
 */
function withUnrefTimers(bg: Record<string, unknown>): Record<string, unknown> {
  const imports: Record<string, unknown> = { ...bg };
  for (const [name, fn] of Object.entries(bg)) {
    if (!name.startsWith('__wbg_setTimeout_') || typeof fn !== 'function') continue;
    imports[name] = (...args: unknown[]) => {
      const timer = fn(...args) as { unref?: () => void } | undefined;
      timer?.unref?.();
      return timer;
    };
  }
  return imports;
}

export const noFilters = { externalTables: [], externalEnums: [] };

// The one rendering of the models into a full schema, shared with `npm run generate`: plain
// CommonJS in scripts/, loaded from the checkout (as the migrations are) whether this runs from
// src/ or dist/src/.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const renderer = require(join(projectRoot, 'scripts', 'render-schema.js')) as { renderSchema(provider: Provider, models: string): string };

/** The full schema (generator, datasource and models) for one provider. */
export function renderSchema(provider: Provider, models = readFileSync(modelsFile, 'utf8')): string {
  return renderer.renderSchema(provider, models);
}

export function schemaFiles(provider: Provider, models?: string) {
  return { files: [{ path: 'schema.prisma', content: renderSchema(provider, models) }] };
}

type Connection = { dispose(): Promise<void> };

export interface OpenEngine {
  engine: SchemaEngine;
  provider: Provider;
  /** Frees the engine and closes its connections (an open SQLite handle would block writers). */
  close(): Promise<void>;
}

/** Opens the schema engine on a database URL (SQLite file or PostgreSQL). */
export async function openSchemaEngine(url: string): Promise<OpenEngine> {
  const { SchemaEngine } = await loadEngineModule();
  const target = databaseTarget(url);
  const provider = target.provider;
  const factory = adapterFactory(target, 'migrator');
  const connections: Connection[] = [];
  const track = <T extends Connection>(c: T) => (connections.push(c), c);
  const tracked = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => track(await factory.connect()),
    connectToShadowDb: async () => track(await factory.connectToShadowDb()),
  };
  const adapter = bindMigrationAwareSqlAdapterFactory(tracked as never);
  const engine = await SchemaEngine.new({ datamodels: [['schema.prisma', renderSchema(provider)]] }, () => {}, adapter);
  return {
    engine,
    provider,
    async close() {
      engine.free();
      await Promise.all(connections.map((c) => c.dispose()));
    },
  };
}

/** The committed migration folders of one provider, in the shape the engine reads. */
export function migrationList(provider: Provider): MigrationList {
  const baseDir = migrationsDir(provider);
  const lockPath = join(baseDir, 'migration_lock.toml');
  const dirs = existsSync(baseDir)
    ? readdirSync(baseDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: dirs.map((path) => ({
      path,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok' as const, value: readFileSync(join(baseDir, path, 'migration.sql'), 'utf8') },
      },
    })),
  };
}
