import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Provider } from './target';

/** The checkout's root, found from this file whether it runs from src/ or dist/src/. */
export const projectRoot: string = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + __dirname);
    dir = parent;
  }
  return dir;
})();

export const prismaDir = join(projectRoot, 'prisma');
export const modelsFile = join(prismaDir, 'models.prisma');
export const snapshotFile = join(prismaDir, 'migrations', 'models.snapshot.prisma');
export const schemaFile = (provider: Provider) => join(prismaDir, `${provider}.prisma`);
export const migrationsDir = (provider: Provider) => join(prismaDir, 'migrations', provider);
