import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { listeningPort } from '../../bench/server';
import { projectRoot } from '../../src/db/paths';
import { testProvider } from './databases';

/**
 * Compiles the project into dist/.<name>/<provider> and returns that folder. Tests that run
 * built code (real processes, the bench CLI) build into a folder of their own: process.test.ts
 * rewrites dist/ while tests run, and the two database projects run in parallel. Incremental,
 * so only a checkout's first run compiles fully. Type errors still emit JavaScript (the
 * typecheck is CI's job); a missing file is fatal.
 */
export function buildInto(name: string): string {
  const out = join(projectRoot, 'dist', `.${name}`, testProvider());
  const tsc = spawnSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      out,
      '--incremental',
      '--tsBuildInfoFile',
      join(out, 'tsbuildinfo.json'),
    ],
    { cwd: projectRoot, encoding: 'utf8' },
  );
  if (!existsSync(join(out, 'src', 'main.js')) || !existsSync(join(out, 'bench', 'run.js'))) {
    throw new Error(`build failed:\n${tsc.stdout}${tsc.stderr}`);
  }
  return out;
}

/** Gateways as real processes (node main.js), for tests that need several of them on one database or a SIGKILL. */
export function buildGateway(name: string): string {
  return join(buildInto(name), 'src', 'main.js');
}

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: unknown[] }>;
  /** The value of one Prometheus sample, e.g. `modelgate_webhook_deliveries_total{status="SUCCEEDED"}`, or 0. */
  metric(sample: string): Promise<number>;
}

// PORT=0 and the port from the log (bench/server.ts's listeningPort): a port found free
// beforehand could be taken by another test's gateway in between, whose /readyz would then
// answer for ours.
/** Starts `node main.js` with only the given environment, and waits until it is ready. */
export async function startGateway(main: string, env: Record<string, string>, token: string): Promise<GatewayProcess> {
  let out = '';
  const child = spawn(process.execPath, [main], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', BOOTSTRAP_ADMIN_TOKEN: token, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let url: string;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited early (${child.exitCode}): ${out}`);
    const port = listeningPort(out);
    url = `http://127.0.0.1:${port}`;
    const ready =
      port !== null &&
      (await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      ));
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`gateway not ready after 30 s: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    output: () => out,
    exited,
    async gql(query, variables) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return response.json() as never;
    },
    async metric(sample) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
      return line ? Number(line.slice(sample.length + 1)) : 0;
    },
  };
}
