import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { projectRoot } from '../src/db/paths';
import { testProvider } from './support/databases';

// What a newcomer installs: no package may warn that it needs a newer Node than we declare
// (npm's EBADENGINE), and the built gateway may load only `dependencies`, so that
// `npm prune --omit=dev` leaves a runnable install (scripts/check-production.sh runs it in CI).
const describeOnce = testProvider() === 'sqlite' ? describe : describe.skip;

const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8'));

/** Packages allowed to declare a newer Node, and why they never run under ours. */
const ENGINE_EXCEPTIONS: Record<string, string> = {
  '@prisma/streams-local': 'the Prisma CLI pins it for `prisma dev` (a local Prisma Postgres), which modelgate never runs',
};

/** The lowest version of each major line in an engines range like "^20.19 || ^22.12 || >=24". */
function lowestVersions(range: string): number[][] {
  return range.split('||').map((part) => (part.match(/\d+(\.\d+){0,2}/)?.[0] ?? '0').split('.').map(Number));
}

/** Whether `version` satisfies a simple engines range (>=, ^, ||, spaces as AND). */
function satisfies(version: number[], range: string): boolean {
  const cmp = (a: number[], b: number[]) => {
    for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
    return 0;
  };
  return range
    .replace(/(>=|<=|>|<|\^|~|=)\s+/g, '$1')
    .split('||')
    .some((alternative) =>
      alternative
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .every((term) => {
          const m = /^(>=|>|<=|<|\^|~|=)?v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?/.exec(term);
          if (!m) return true; // something exotic (e.g. "*"): npm does not warn either
          const v = [Number(m[2]), Number(m[3]) || 0, Number(m[4]) || 0];
          const op = m[1] ?? '=';
          if (op === '>=') return cmp(version, v) >= 0;
          if (op === '>') return cmp(version, v) > 0;
          if (op === '<=') return cmp(version, v) <= 0;
          if (op === '<') return cmp(version, v) < 0;
          if (op === '^') return version[0] === v[0] && cmp(version, v) >= 0;
          if (op === '~') return version[0] === v[0] && version[1] === v[1] && cmp(version, v) >= 0;
          const wild = (part: string | undefined) => part === undefined || part === 'x' || part === '*';
          if (wild(m[3])) return version[0] === v[0];
          if (wild(m[4])) return version[0] === v[0] && version[1] === v[1];
          return cmp(version, v) === 0;
        }),
    );
}

describeOnce('dependencies', () => {
  it('declares no package that needs a newer Node than package.json engines admits (no EBADENGINE)', () => {
    const ours: string = pkg.engines.node;
    const offenders: string[] = [];
    for (const [path, info] of Object.entries<{ engines?: { node?: string }; version?: string }>(lock.packages)) {
      const name = path.replace(/^.*node_modules\//, '');
      const needs = info.engines?.node;
      if (!path || !needs || name in ENGINE_EXCEPTIONS) continue;
      for (const lowest of lowestVersions(ours)) {
        if (!satisfies(lowest, needs)) offenders.push(`${name}@${info.version} needs node ${needs}, we admit ${lowest.join('.')}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('loads only `dependencies` from the built gateway (what `npm prune --omit=dev` keeps)', () => {
    const main = join(projectRoot, 'dist', 'src', 'main.js');
    if (!existsSync(main)) return console.warn('dist/ is missing (npm run build): the runtime import check was skipped');
    const allowed = new Set([...Object.keys(pkg.dependencies), ...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const [, spec] of source.matchAll(/require\("([^"]+)"\)/g)) {
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          const candidates = [target, `${target}.js`, join(target, 'index.js')];
          const found = candidates.find((c) => existsSync(c) && c.endsWith('.js'));
          if (found) visit(found);
        } else {
          packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
        }
      }
    };
    visit(main);
    expect(seen.size).toBeGreaterThan(20);
    expect([...packages].filter((name) => !allowed.has(name))).toEqual([]);
  });
});
