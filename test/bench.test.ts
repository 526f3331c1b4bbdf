import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchReport, WorkloadReport } from '../bench/report';
import { freshDatabase, testProvider, type TestDatabase } from './support/databases';
import { buildInto } from './support/gateway-process';

// Keeps `npm run bench` from rotting: the real CLI, at the smallest size, on this project's
// database. On SQLite every workload runs on both gateways (DataLoaders on, and off as the
// baseline); on PostgreSQL, where the same files run in parallel with it, only a read, the
// approval bots and the webhooks, which cover what differs there (wiping, seeding, writes,
// leasing deliveries) in a few seconds.
const full = testProvider() === 'sqlite';
const root = join(__dirname, '..');
// A build of its own (support/gateway-process.ts): a gateway starting from a half-written file
// would fail for reasons that are not the benchmark's.
let runJs: string;

function runBench(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [runJs, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    // SIGTERM lets the bench stop its gateways before it exits.
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

let database: TestDatabase;
let out: string;
let report: BenchReport;
let run: { code: number | null; output: string };

beforeAll(async () => {
  runJs = join(buildInto('bench-test'), 'bench', 'run.js');
  out = mkdtempSync(join(tmpdir(), 'modelgate-bench-'));
  database = testProvider() === 'sqlite' ? { url: `file:${join(out, 'bench.db')}`, drop: async () => {} } : await freshDatabase();
  const args = [
    '--quick',
    '--models',
    '25',
    '--versions',
    '3',
    '--duration',
    '1',
    '--warmup',
    '0',
    '--connections',
    '2',
    '--db',
    database.url,
    '--out',
    out,
  ];
  run = await runBench(full ? args : [...args, '--workloads', 'lookup,deploy,approve,webhooks,events'], 90_000);
  const latest = join(out, `latest-${testProvider()}.json`);
  if (existsSync(latest)) report = JSON.parse(readFileSync(latest, 'utf8')) as BenchReport;
}, 150_000);

afterAll(async () => {
  await database?.drop();
  if (out) rmSync(out, { recursive: true, force: true });
});

const row = (workload: string, gateway: 'loaders' | 'naive'): WorkloadReport => {
  const found = report.results.find((r) => r.workload === workload && r.gateway === gateway);
  if (!found) throw new Error(`no ${workload} on ${gateway} in the report`);
  return found;
};

describe('npm run bench -- --quick at the smallest size', () => {
  it('exits cleanly and writes a timestamped report and the latest one', () => {
    expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
    const files = readdirSync(out).filter((f) => f.endsWith('.json'));
    expect(files).toContain(`latest-${testProvider()}.json`);
    expect(files.filter((f) => new RegExp(`^${testProvider()}-\\d{4}-\\d\\d-\\d\\dT`).test(f))).toHaveLength(1);
  });

  it('seeds the registry with batched inserts and reports the rate', () => {
    expect(report.seed).toMatchObject({ reused: false, params: { models: 25, versions: 3 } });
    expect(report.seed.rows).toMatchObject({ RegisteredModel: 25, ModelVersion: 75, VersionTag: 375, VersionMetric: 375, ModelAlias: 50 });
    expect(report.seed.rows.TransitionRequest).toBeGreaterThan(0);
    expect(report.seed.rowsPerSecond).toBeGreaterThan(0);
  });

  it('runs every workload with requests and reports latency, statements and peak RSS', () => {
    const expected = full
      ? [
          'dashboard-20/naive',
          'dashboard-100/naive',
          'dashboard-20/loaders',
          'dashboard-100/loaders',
          'lookup/loaders',
          'search/loaders',
          'deploy/loaders',
          'deploy-dashboard/loaders',
          'approve/loaders',
          'events/loaders',
        ]
      : ['lookup/loaders', 'deploy/loaders', 'deploy-dashboard/loaders', 'approve/loaders', 'events/loaders'];
    expect(report.database.provider).toBe(testProvider());
    expect(report.results.map((r) => `${r.workload}/${r.gateway}`)).toEqual(expected);
    for (const r of report.results) {
      expect({ workload: r.workload, problems: r.problems }).toEqual({ workload: r.workload, problems: [] });
      expect(r.requests).toBeGreaterThan(0);
      expect(r.requestsPerSecond).toBeGreaterThan(0);
      expect(r.latencyMs.p99).toBeGreaterThanOrEqual(r.latencyMs.p50);
      expect(r.statementsPerRequest).toBeGreaterThan(0);
      expect(r.peakRssMb).toBeGreaterThan(0);
      if (r.family !== 'approve' && r.family !== 'events')
        expect({ workload: r.workload, errors: r.errors }).toEqual({ workload: r.workload, errors: 0 });
    }
    expect(row('approve', 'loaders').extra?.approved).toBeGreaterThan(0);
    expect(row('deploy', 'loaders').extra).toMatchObject({ startErrors: 0, reportErrors: 0 });
    expect(row('deploy', 'loaders').extra?.succeeded).toBeGreaterThan(0);
  });

  it('measures events: 100 subscribers receive what the approval bots write, with latency', () => {
    const e = row('events', 'loaders').extra!;
    expect(e).toMatchObject({ subscribers: 100, subscribersClosedEarly: 0 });
    expect(e.eventsPerSecond).toBeGreaterThan(0);
    // Every subscriber receives every event (up to those in flight when the run ended).
    expect(e.deliveriesPerSecond).toBeGreaterThan(e.eventsPerSecond * 50);
    expect(e.receiveLatencyP99Ms).toBeGreaterThanOrEqual(e.receiveLatencyP50Ms);
  });

  // The dashboard and its baseline run on SQLite only (see above).
  if (full)
    it('runs at most 4 statements per dashboard request at page size 100 as at 20, and shows the N+1 baseline', () => {
      const [at20, at100] = [row('dashboard-20', 'loaders'), row('dashboard-100', 'loaders')];
      // 3 statements, and the API key's own now and then (a key is checked from a cache of 1 s).
      for (const r of [at20, at100]) expect(r.statementsPerRequest).toBeGreaterThanOrEqual(3);
      for (const r of [at20, at100]) expect(r.statementsPerRequest).toBeLessThanOrEqual(4);
      // 25 models: the naive gateway runs more statements for the 25 of page 100 than for the 20.
      expect(row('dashboard-100', 'naive').statementsPerRequest).toBeGreaterThan(row('dashboard-20', 'naive').statementsPerRequest);
      expect(row('dashboard-20', 'naive').statementsPerRequest).toBeGreaterThan(at20.statementsPerRequest);
      for (const r of [at20, at100]) expect(r.ratioToNaive).toBeGreaterThan(0);
    });

  it('delivers every event of the webhooks workload once to each webhook on 127.0.0.1, and reports the rate', () => {
    const w = report.webhooks!;
    expect(w).toMatchObject({ webhooks: 4, duplicates: 0, problems: [] });
    expect(w.events).toBeGreaterThan(0);
    expect(w.deliveries).toBe(w.events * w.webhooks);
    expect(w.deliveriesPerSecond).toBeGreaterThan(0);
    expect(w.latencyMs.p99).toBeGreaterThanOrEqual(w.latencyMs.p50);
  });

  it('leaves no gateway running', () => {
    for (const pid of new Set(report.results.map((r) => r.pid))) {
      expect(() => process.kill(pid, 0)).toThrow();
    }
  });
});
