import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/db/paths';
import { freePort } from './free-port';

export interface GatewayOptions {
  databaseUrl: string;
  dataloaders: boolean;
  adminToken: string;
  /** PostgreSQL connections of this gateway (the server allows 100 for everyone). */
  poolSize: number;
}

/** A gateway running as a child process, as it runs in production: `node dist/src/main.js`. */
export interface RunningGateway {
  url: string;
  pid: number;
  /** Peak resident set size (VmHWM) since start or the last resetPeak, in bytes. */
  peakRss(): number | null;
  /** Starts a new peak RSS window (Linux clear_refs 5); false where the kernel does not allow it. */
  resetPeak(): boolean;
  stop(): Promise<void>;
}

// The gateway of the same build as this file (dist/bench -> dist/src), never another one.
const MAIN = join(__dirname, '..', 'src', 'main.js');
const running = new Set<ChildProcess>();

/** Kills every gateway still running; safe to call from an exit handler (synchronous). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

// Whatever ends the benchmark, no gateway outlives it.
process.once('exit', killAll);

function status(pid: number, field: string): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first`);
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: projectRoot,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      BOOTSTRAP_ADMIN_TOKEN: options.adminToken,
      DATALOADERS: String(options.dataloaders),
      DB_POOL_SIZE: String(options.poolSize),
      GRAPHIQL: 'false',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  // At LOG_LEVEL=warn the gateway only speaks when something is wrong: show the first of it.
  const output: string[] = [];
  let shown = 0;
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    output.push(text);
    if (output.length > 50) output.shift();
    if (ready && shown < 10) {
      shown += 1;
      process.stderr.write(`    gateway: ${text.trimEnd().slice(0, 2000)}\n`);
    }
  };
  let ready = false;
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, exited, 60_000);
    ready = true;
  } catch (error) {
    await stop();
    throw new Error(`the gateway did not start: ${(error as Error).message}\n${output.join('')}`, { cause: error });
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    peakRss: () => status(pid, 'VmHWM'),
    resetPeak() {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
        return true;
      } catch {
        return false;
      }
    },
    stop,
  };
}

async function waitReady(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  let done: number | null | undefined;
  void exited.then((code) => {
    done = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (done !== undefined) throw new Error(`it exited with code ${done}`);
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready after ${timeoutMs / 1000}s`);
}
