import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// The Prisma CLI downloads a native schema engine before every command, and some machines
// cannot reach its host. `prisma generate` needs no engine, so point the check at a file that
// exists. A machine that has a real engine (or sets the variable itself) keeps it.
// Migrations never use the CLI here: src/db/migrate.ts runs Prisma's WASM schema engine.
export function useWasmEnginesWhenNoNativeOne(): void {
  if (process.env.PRISMA_SCHEMA_ENGINE_BINARY) return;
  const enginesDir = join(__dirname, '..', 'node_modules', '@prisma', 'engines');
  const hasNative = existsSync(enginesDir) && readdirSync(enginesDir).some((f) => f.startsWith('schema-engine'));
  if (hasNative) return;
  process.env.PRISMA_SCHEMA_ENGINE_BINARY = join(__dirname, 'models.prisma');
  process.env.PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING = '1';
}
