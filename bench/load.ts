import autocannon from 'autocannon';
import type { Probe, Workload } from './workloads';

export interface LoadSettings {
  duration: number;
  warmup: number;
  connections: number;
}

export interface Measurement {
  /** duration: a timed run; amount: too slow for one, a fixed number of requests instead. */
  limitedBy: 'duration' | 'amount';
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** Responses that were not a clean success: transport errors, non-2xx, or GraphQL errors. */
  errors: number;
  errorCodes: Record<string, number>;
  /** From each response's x-sql-statements header during the measured run. */
  statements: { mean: number; min: number; max: number };
  /** Statement counts of the probe requests, sent one at a time before the run. */
  probeStatements: number[];
  /**
   * CPU time the server process spent per request of the measured run, in ms (null where /proc
   * does not tell): unlike req/s, it barely moves when other work shares the machine.
   */
  cpuMsPerRequest: number | null;
  extra?: Record<string, number>;
}

/** Counts what each response says: its SQL statements and, if any, its error codes. */
class Tally {
  responses = 0;
  failed = 0;
  codes: Record<string, number> = {};
  statementSum = 0;
  statementMin = Infinity;
  statementMax = 0;

  record(status: number, body: string, headers: Record<string, string | string[]>): void {
    this.responses += 1;
    const statements = Number(headers['x-sql-statements']);
    if (Number.isFinite(statements)) {
      this.statementSum += statements;
      this.statementMin = Math.min(this.statementMin, statements);
      this.statementMax = Math.max(this.statementMax, statements);
    }
    // Parsing every body would cost the load generator more than the server: look first.
    if (status >= 200 && status < 300 && !body.includes('"errors"')) return;
    this.failed += 1;
    for (const code of errorCodes(status, body)) this.codes[code] = (this.codes[code] ?? 0) + 1;
  }
}

function errorCodes(status: number, body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] };
    const codes = (parsed.errors ?? []).map((e) => e.extensions?.code ?? 'UNKNOWN');
    return codes.length ? [...new Set(codes)] : [`HTTP_${status}`];
  } catch {
    return [`HTTP_${status}`];
  }
}

function withTally(workload: Workload, tally: Tally): autocannon.Request[] {
  return workload.requests.map((request) => ({
    ...request,
    onResponse(status, body, context, headers) {
      tally.record(status, body, headers);
      request.onResponse?.(status, body, context, headers);
    },
  }));
}

/** Load for `seconds`, or until `amount` requests have completed. */
async function fire(
  url: string,
  workload: Workload,
  limit: { seconds: number } | { amount: number },
  connections: number,
  tally: Tally,
): Promise<autocannon.Result> {
  const instance = autocannon({
    ...('amount' in limit ? { amount: limit.amount } : { duration: limit.seconds }),
    url: `${url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${workload.token}` },
    connections,
    timeout: 60,
    requests: withTally(workload, tally),
    title: workload.name,
  });
  return instance;
}

export async function probe(url: string, p: Probe): Promise<{ statements: number; problem: string | null }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${p.token}` },
    body: p.body,
    signal: AbortSignal.timeout(60_000),
  });
  const statements = Number(response.headers.get('x-sql-statements'));
  const result = (await response.json()) as {
    data?: Record<string, unknown>;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  if (result.errors?.length || !result.data) {
    return {
      statements,
      problem: `HTTP ${response.status}: ${(result.errors ?? []).map((e) => `${e.extensions?.code}: ${e.message}`).join('; ')}`,
    };
  }
  return { statements, problem: p.check?.(result.data) ?? null };
}

/** Probes, warms up, then measures one workload against a running gateway. */
export async function measure(
  url: string,
  workload: Workload,
  settings: LoadSettings,
  cpuSeconds: () => number | null = () => null,
): Promise<Measurement & { problems: string[] }> {
  const problems: string[] = [];
  const probeStatements: number[] = [];
  for (const p of workload.probes) {
    const { statements, problem } = await probe(url, p);
    probeStatements.push(statements);
    if (problem) problems.push(problem);
  }
  if (settings.warmup > 0) await fire(url, workload, { seconds: settings.warmup }, settings.connections, new Tally());
  workload.reset?.();
  let tally = new Tally();
  let cpuBefore = cpuSeconds();
  let result = await fire(url, workload, { seconds: settings.duration }, settings.connections, tally);
  let limitedBy: Measurement['limitedBy'] = 'duration';
  // Every connection should get through its sequence (request + approval) at least once.
  const minimum = settings.connections * workload.requests.length;
  if (result.requests.total < minimum) {
    // Requests slower than the run (the N+1 baseline at page size 100) would all be cut off
    // and count as none: measure a fixed number of them instead, however long that takes.
    workload.reset?.();
    tally = new Tally();
    cpuBefore = cpuSeconds();
    result = await fire(url, workload, { amount: minimum }, settings.connections, tally);
    limitedBy = 'amount';
  }
  const cpuAfter = cpuSeconds();
  const cpuMsPerRequest =
    cpuBefore === null || cpuAfter === null || !result.requests.total ? null : ((cpuAfter - cpuBefore) * 1000) / result.requests.total;
  const errors = tally.failed + result.errors + result.timeouts;
  const codes = { ...tally.codes };
  if (result.errors + result.timeouts) codes.CONNECTION = result.errors + result.timeouts;
  return {
    limitedBy,
    requests: result.requests.total,
    seconds: result.duration,
    requestsPerSecond: result.requests.total / result.duration,
    latencyMs: {
      mean: result.latency.mean,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    errors,
    errorCodes: codes,
    statements: {
      mean: tally.responses ? tally.statementSum / tally.responses : NaN,
      min: tally.responses ? tally.statementMin : NaN,
      max: tally.statementMax,
    },
    probeStatements,
    cpuMsPerRequest,
    extra: workload.extra?.(),
    problems,
  };
}
