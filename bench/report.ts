import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { join } from 'node:path';
import type { Provider } from '../src/db/client';
import type { LoadSettings, Measurement } from './load';
import type { SeedReport } from './seed';
import type { WebhookReport } from './webhooks';

export type GatewayKind = 'loaders' | 'naive';

export interface WorkloadReport extends Measurement {
  workload: string;
  family: string;
  /** loaders: DataLoaders on (production); naive: DATALOADERS=false, one query per key (N+1). */
  gateway: GatewayKind;
  /** The gateway's process id (stopped by the time the report is written). */
  pid: number;
  connections: number;
  /** SQL statements one request runs: the probes' when there are some, else the run's mean. */
  statementsPerRequest: number;
  /** Peak resident set size of the gateway process during this workload (VmHWM), in MiB. */
  peakRssMb: number | null;
  /** Requests per second with loaders divided by the same workload's on the naive gateway. */
  ratioToNaive?: number;
  problems: string[];
}

export interface BenchReport {
  format: 1;
  startedAt: string;
  finishedAt: string;
  command: string;
  database: { provider: Provider; url: string; server: string };
  /** loadAverage1m: the 1-minute load average when the run started (other work skews the numbers). */
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; os: string; loadAverage1m: number };
  settings: LoadSettings;
  seed: SeedReport;
  results: WorkloadReport[];
  /** The webhooks workload: deliveries to a receiver on 127.0.0.1 (absent when not run). */
  webhooks?: WebhookReport;
}

export function machine(): BenchReport['machine'] {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
  };
}

export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Adds each loaders dashboard row's ratio to the naive row of the same page size. */
export function addRatios(results: WorkloadReport[]): void {
  for (const row of results) {
    if (row.gateway !== 'loaders') continue;
    const naive = results.find((r) => r.gateway === 'naive' && r.workload === row.workload);
    if (naive && naive.requestsPerSecond > 0) row.ratioToNaive = row.requestsPerSecond / naive.requestsPerSecond;
  }
}

const fixed = (n: number | null | undefined, digits: number) =>
  n === null || n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);

/** The results as a Markdown table: readable in a terminal, pasteable into the README. */
export function table(report: BenchReport): string {
  const header = ['workload', 'gateway', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/req', 'SQL/req', 'peak RSS MiB', 'errors', 'vs naive'];
  const rows = report.results.map((r) => [
    r.workload,
    r.gateway,
    fixed(r.requestsPerSecond, r.requestsPerSecond < 10 ? 1 : 0),
    fixed(r.latencyMs.p50, 0),
    fixed(r.latencyMs.p99, 0),
    fixed(r.cpuMsPerRequest, 2),
    fixed(r.statementsPerRequest, Number.isInteger(r.statementsPerRequest) ? 0 : 1),
    fixed(r.peakRssMb, 0),
    `${r.errors}/${r.requests}`,
    r.ratioToNaive === undefined ? '' : `${fixed(r.ratioToNaive, 1)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < 2 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function summary(report: BenchReport): string {
  const { seed, settings, database } = report;
  const size = `${seed.params.models} models x ${seed.params.versions} versions`;
  const seeded = seed.reused
    ? 'reused'
    : `seeded ${seed.totalRows} rows in ${seed.seconds.toFixed(1)} s (${Math.round(seed.rowsPerSecond)} rows/s)`;
  return `${database.provider} (${database.server}), ${size}, ${seeded}; ${settings.connections} connections, ${settings.warmup} s warm-up, ${settings.duration} s per workload`;
}

/** What the table leaves out: the approval bots' flows and the SQL of each step. */
export function notes(report: BenchReport): string[] {
  const lines: string[] = [];
  for (const r of report.results) {
    if (r.family !== 'approve' || !r.extra) continue;
    const e = r.extra;
    lines.push(
      `approve: ${e.approved} transitions approved (${fixed(e.approved / r.seconds, 1)}/s), ${e.requestErrors} failed requests, ` +
        `${e.approveErrors} failed approvals; SQL statements per transition request ${fixed(e.statementsPerTransitionRequest, 1)}, per approval ${fixed(e.statementsPerApproval, 1)}`,
    );
  }
  const w = report.webhooks;
  if (w) {
    lines.push(
      `webhooks: ${w.deliveries} deliveries of ${w.events} events to ${w.webhooks} webhooks on 127.0.0.1 in ${fixed(w.seconds, 1)} s: ` +
        `${fixed(w.deliveriesPerSecond, 0)} deliveries/s, commit-to-receive p50 ${fixed(w.latencyMs.p50, 0)} ms, p99 ${fixed(w.latencyMs.p99, 0)} ms, ` +
        `${w.duplicates} duplicates`,
    );
  }
  for (const r of report.results) {
    if (r.family !== 'events' || !r.extra) continue;
    const e = r.extra;
    lines.push(
      `events: ${e.subscribers} subscribers while the approval bots ran: ${fixed(e.eventsPerSecond, 1)} events/s ` +
        `(${fixed(e.deliveriesPerSecond, 0)} deliveries/s over all subscribers), write-to-receive p50 ${fixed(e.receiveLatencyP50Ms, 0)} ms, ` +
        `p99 ${fixed(e.receiveLatencyP99Ms, 0)} ms; ${e.subscribersClosedEarly} subscribers closed early`,
    );
    // Webhooks: a line for webhook deliveries per second (e.webhookDeliveriesPerSecond) goes here.
  }
  for (const r of report.results) {
    if (r.workload !== 'deploy' || !r.extra) continue;
    const e = r.extra;
    lines.push(
      `deploy: ${e.succeeded} deployments succeeded (${fixed(e.succeeded / r.seconds, 1)}/s), ${e.startErrors} failed starts, ` +
        `${e.reportErrors} failed reports; SQL statements per start ${fixed(e.statementsPerStart, 1)}, per report ${fixed(e.statementsPerReport, 1)}`,
    );
  }
  for (const r of report.results) {
    if (r.limitedBy === 'amount')
      lines.push(`${r.workload} (${r.gateway}): slower than the run, measured over ${r.requests} requests instead`);
  }
  return lines;
}

/** Writes <dir>/<provider>-<timestamp>.json and <dir>/latest-<provider>.json; returns both paths. */
export function writeReport(dir: string, report: BenchReport): string[] {
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const text = JSON.stringify(report, null, 2) + '\n';
  const paths = [join(dir, `${report.database.provider}-${stamp}.json`), join(dir, `latest-${report.database.provider}.json`)];
  for (const path of paths) writeFileSync(path, text);
  return paths;
}
