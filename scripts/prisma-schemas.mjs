// Renders prisma/models.prisma into one complete schema per provider. Both share the models;
// each has its own generated client (a client refuses the other provider's adapter).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import renderer from './render-schema.js';

const prismaDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'prisma');
const models = readFileSync(join(prismaDir, 'models.prisma'), 'utf8');
for (const provider of Object.keys(renderer.PROVIDERS)) {
  writeFileSync(join(prismaDir, `${provider}.prisma`), renderer.renderSchema(provider, models));
}
