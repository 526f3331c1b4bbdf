// Renders prisma/models.prisma into one complete schema per provider. Both share the models;
// each has its own generated client (a client refuses the other provider's adapter).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const prismaDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'prisma');
export const PROVIDERS = { sqlite: 'sqlite', postgres: 'postgresql' };

export function renderSchema(provider, models = readFileSync(join(prismaDir, 'models.prisma'), 'utf8')) {
  const header = `// Generated from models.prisma by scripts/prisma-schemas.mjs: do not edit.
generator client {
  provider               = "prisma-client"
  output                 = "../src/db/generated/${provider}"
  moduleFormat           = "cjs"
  importFileExtension    = ""
  generatedFileExtension = "ts"
}

datasource db {
  provider = "${PROVIDERS[provider]}"
}
`;
  return `${header}\n${models}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const provider of Object.keys(PROVIDERS)) {
    writeFileSync(join(prismaDir, `${provider}.prisma`), renderSchema(provider));
  }
}
