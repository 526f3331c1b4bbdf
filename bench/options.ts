import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/db/paths';

/** A mistake of the caller's: reported as one line, without a stack. */
export class UsageError extends Error {}

export const WORKLOADS = ['dashboard', 'lookup', 'search', 'deploy', 'approve', 'webhooks', 'events'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface BenchOptions {
  /** file:<path> (SQLite) or postgres[ql]://... */
  db: string;
  models: number;
  versions: number;
  /** Seconds of measured load per workload. */
  duration: number;
  /** Seconds of unmeasured load before each workload. */
  warmup: number;
  connections: number;
  quick: boolean;
  reuse: boolean;
  /** Skip the N+1 gateway (DATALOADERS=false) that the dashboard is compared with. */
  noNaive: boolean;
  workloads: WorkloadName[];
  /** Where the JSON results go. */
  out: string;
  /** Compare with a peer server instead (only `postgraphile`). */
  peer: 'postgraphile' | null;
  /** Where the peer is installed (default: a new temporary directory). */
  peerDir: string | undefined;
  /** Interleaved rounds of the peer comparison. */
  rounds: number;
}

export const DEFAULT_DB = `file:${join(projectRoot, 'data', 'bench.db')}`;

const FULL = { models: 1000, versions: 20, duration: 10, warmup: 3, connections: 10 };
/** Small enough that every workload on both gateways finishes in well under two minutes. */
const QUICK = { models: 40, versions: 5, duration: 2, warmup: 1, connections: 8 };

export const HELP = `Usage: npm run bench -- [options]

Seeds a model registry into a fresh database, starts the gateway twice as a child process
(DataLoaders on, and off as the N+1 baseline) and drives each workload over HTTP with
autocannon. Prints a table and writes bench/results/<db>-<timestamp>.json and
bench/results/latest-<db>.json.

Options:
  --db <url>            file:<path> for SQLite (default: ${DEFAULT_DB.replace(projectRoot + '/', '')})
                        or postgresql://user:pass@host:port/database. The database is wiped
                        and seeded, so name one that is empty or that the benchmark seeded
                        before; one holding other data is refused.
  --models <n>          registered models to seed (default ${FULL.models}, quick ${QUICK.models})
  --versions <n>        versions per model (default ${FULL.versions}, quick ${QUICK.versions})
  --duration <s>        seconds of measured load per workload (default ${FULL.duration}, quick ${QUICK.duration})
  --warmup <s>          seconds of unmeasured load before each workload (default ${FULL.warmup}, quick ${QUICK.warmup})
  --connections <n>     concurrent HTTP connections (default ${FULL.connections}, quick ${QUICK.connections})
  --quick               a small registry and short runs: the whole benchmark in under two minutes
  --reuse               keep the database when it is already seeded with the same sizes
  --no-naive            skip the N+1 baseline of the dashboard (it takes minutes on large registries)
  --workloads <a,b>     any of ${WORKLOADS.join(', ')} (default: all)
  --out <dir>           directory for the JSON results (default bench/results)
  --peer postgraphile   instead: modelgate side by side with PostGraphile 5.1.5 on the same
                        PostgreSQL database (--db postgresql://...), same data (checked),
                        dashboard-20, dashboard-100 and lookup measured in turn, round after
                        round; prints the ratio per workload. PostGraphile and Node 22 are
                        installed from npm into a temporary directory, not into this project.
  --peer-dir <dir>      install the peer there instead (kept, so a second run skips the install)
  --rounds <n>          rounds of the peer comparison (default 2)
  --help                print this and exit

Environment: GATEWAY_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=<dir>" passes node flags to the
gateways it starts (each writes a CPU profile when it stops).

Each version gets 5 tags and 5 metrics, each model 3 tags and 2 aliases (champion,
challenger); about 30% of the models get a pending transition request, 30% an approved
one with its decision and stage history, 10% a rejected one.

The events workload runs the approval bots again while 100 graphql-ws subscribers receive
every event; it reports events/s and write-to-receive latency p50/p99.`;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`--${name} must be a whole number of at least 1, got "${raw}"`);
  return value;
}

function seconds(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min)
    throw new UsageError(`--${name} must be a number of seconds of at least ${min}, got "${raw}"`);
  return value;
}

function workloads(raw: string | undefined): WorkloadName[] {
  if (raw === undefined) return [...WORKLOADS];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(WORKLOADS as readonly string[]).includes(n));
  if (unknown.length || !names.length)
    throw new UsageError(`--workloads takes a comma-separated list of ${WORKLOADS.join(', ')}; got "${raw}"`);
  return WORKLOADS.filter((w) => names.includes(w));
}

function database(raw: string | undefined): string {
  if (raw === undefined) return DEFAULT_DB;
  if (/^postgres(ql)?:\/\/.+/.test(raw)) {
    const host = new URL(raw).hostname;
    if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
      throw new UsageError(`--db must name a local database (127.0.0.1 or localhost): the benchmark wipes it, got host "${host}"`);
    }
    return raw;
  }
  if (/^file:.+/.test(raw)) return raw;
  throw new UsageError('--db must be file:<path> (SQLite) or postgresql://... (PostgreSQL)');
}

function peerName(raw: string | undefined): 'postgraphile' | null {
  if (raw === undefined) return null;
  if (raw !== 'postgraphile') throw new UsageError(`--peer knows only postgraphile, got "${raw}"`);
  return raw;
}

/** Parses the command line; returns null when --help was asked for. Throws on a bad option. */
export function parseOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      db: { type: 'string' },
      models: { type: 'string' },
      versions: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      quick: { type: 'boolean', default: false },
      reuse: { type: 'boolean', default: false },
      'no-naive': { type: 'boolean', default: false },
      workloads: { type: 'string' },
      out: { type: 'string' },
      peer: { type: 'string' },
      'peer-dir': { type: 'string' },
      rounds: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  const base = values.quick ? QUICK : FULL;
  return {
    db: database(values.db),
    models: positiveInt('models', values.models, base.models),
    versions: positiveInt('versions', values.versions, base.versions),
    duration: seconds('duration', values.duration, base.duration, 0.5),
    warmup: seconds('warmup', values.warmup, base.warmup, 0),
    connections: positiveInt('connections', values.connections, base.connections),
    quick: values.quick,
    reuse: values.reuse,
    noNaive: values['no-naive'],
    workloads: workloads(values.workloads),
    out: values.out ?? join(projectRoot, 'bench', 'results'),
    peer: peerName(values.peer),
    peerDir: values['peer-dir'],
    rounds: positiveInt('rounds', values.rounds, 2),
  };
}
