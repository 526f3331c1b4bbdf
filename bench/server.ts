import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/db/paths';

const LISTENING = /"port":(\d+),[^\n]*"msg":"modelgate listening/;
/** The port a gateway started with PORT=0 listens on, from its log; null until it listens. */
export function listeningPort(output: string): number | null {
  const match = LISTENING.exec(output);
  return match ? Number(match[1]) : null;
}

export interface GatewayOptions {
  databaseUrl: string;
  dataloaders: boolean;
  adminToken: string;
  /** PostgreSQL connections of this gateway (the server allows 100 for everyone). */
  poolSize: number;
  /** The node executable (default: the one running the benchmark). */
  node?: string;
  /** More environment for this gateway (e.g. WEBHOOK_* settings). */
  env?: Record<string, string>;
}

/** A gateway running as a child process, as it runs in production: `node dist/src/main.js`. */
export interface RunningGateway {
  url: string;
  pid: number;
  /** Peak resident set size (VmHWM) since start or the last resetPeak, in bytes. */
  peakRss(): number | null;
  /** Starts a new peak RSS window (Linux clear_refs 5); false where the kernel does not allow it. */
  resetPeak(): boolean;
  /** CPU time (user + system) the process has used, in seconds; null where /proc does not tell. */
  cpuSeconds(): number | null;
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

// Linux counts CPU time in clock ticks of 1/100 s (USER_HZ) on every architecture Node runs on.
const TICKS_PER_SECOND = 100;

/** utime + stime of /proc/<pid>/stat (fields 14 and 15; the name in parentheses may hold spaces). */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

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
  return startServer({
    name: 'gateway',
    node: options.node ?? process.execPath,
    // GATEWAY_NODE_OPTIONS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": flags for profiling a run.
    args: [...(process.env.GATEWAY_NODE_OPTIONS?.split(' ').filter(Boolean) ?? []), MAIN],
    cwd: projectRoot,
    // PORT=0: the system hands the gateway a port it binds at once, and its log says which. A
    // port found free beforehand could go to another process in between (benchmarks and tests
    // start gateways in parallel), whose /readyz would then answer for this one.
    port: listeningPort,
    readyPath: '/readyz',
    env: {
      DATABASE_URL: options.databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      BOOTSTRAP_ADMIN_TOKEN: options.adminToken,
      DATALOADERS: String(options.dataloaders),
      DB_POOL_SIZE: String(options.poolSize),
      GRAPHIQL: 'false',
      NODE_ENV: 'production',
      ...options.env,
    },
  });
}

export interface ServerCommand {
  /** For messages: `gateway`, `postgraphile`. */
  name: string;
  node: string;
  args: string[];
  cwd: string;
  /** The port, or how to read it from the server's output (null until it listens). */
  port: number | ((output: string) => number | null);
  env: Record<string, string>;
  /** A GET that answers 2xx once the server serves (any answer at all when null). */
  readyPath: string | null;
}

/** Starts a server as a child process and waits until it serves. */
export async function startServer(command: ServerCommand): Promise<RunningGateway> {
  const child = spawn(command.node, command.args, {
    cwd: command.cwd,
    env: { ...process.env, ...command.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  // After it is ready, show the first warnings and errors it prints (info lines are routine).
  const output: string[] = [];
  let shown = 0;
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    output.push(text);
    if (output.length > 50) output.shift();
    if (ready && shown < 10 && !text.includes('"level":30')) {
      shown += 1;
      process.stderr.write(`    ${command.name}: ${text.trimEnd().slice(0, 2000)}\n`);
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

  const portOf = command.port;
  const urlNow = () => {
    const port = typeof portOf === 'number' ? portOf : portOf(output.join(''));
    return port === null ? null : `http://127.0.0.1:${port}`;
  };
  let url: string;
  try {
    url = await waitReady(urlNow, command.readyPath, exited, 60_000);
    ready = true;
  } catch (error) {
    await stop();
    throw new Error(`the ${command.name} did not start: ${(error as Error).message}\n${output.join('')}`, { cause: error });
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    peakRss: () => status(pid, 'VmHWM'),
    cpuSeconds: () => cpuSeconds(pid),
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

/** Waits until the server answers at its URL (known once it listens), and returns that URL. */
async function waitReady(
  urlNow: () => string | null,
  readyPath: string | null,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<string> {
  let done: number | null | undefined;
  void exited.then((code) => {
    done = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (done !== undefined) throw new Error(`it exited with code ${done}`);
    const url = urlNow();
    try {
      if (url !== null) {
        const response = await fetch(`${url}${readyPath ?? '/'}`, { signal: AbortSignal.timeout(2000) });
        if (response.ok || readyPath === null) return url;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready after ${timeoutMs / 1000}s`);
}
