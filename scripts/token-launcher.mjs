// npm run token -- ...: runs dist/scripts/token.js, building first only when the build is
// missing or older than a source file. Rebuilding on every call took ~19 s; a built tree now
// starts in about a second. Build output goes to stderr, so stdout stays the token alone.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'scripts', 'token.js');

/** The newest modification time of the sources the build reads. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'generated' && entry.name !== 'node_modules') newest = Math.max(newest, newestSource(path));
    } else if (/\.(ts|prisma)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

const generated = join(root, 'src', 'db', 'generated');
const stale =
  !existsSync(built) ||
  !existsSync(generated) ||
  statSync(built).mtimeMs <
    Math.max(newestSource(join(root, 'src')), newestSource(join(root, 'scripts')), newestSource(join(root, 'prisma')));
if (stale) {
  console.error('token: building first (the build is missing or older than the sources)...');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const run = spawnSync(process.execPath, [built, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
