import 'reflect-metadata';
import { createDatabase, databaseTarget } from '../src/db/client';
import { approvalPool } from './approval-pool';
import { deploy, deployDashboard, deployPool, type DeploySlot } from './deploy';
import { seedParams } from './dataset';
import { redact, serverVersion } from './database';
import { createKeys, type BenchKeys } from './keys';
import { measure, type LoadSettings } from './load';
import { HELP, parseOptions, UsageError, type BenchOptions } from './options';
import { addRatios, machine, notes, summary, table, writeReport, type BenchReport, type GatewayKind, type WorkloadReport } from './report';
import { runPeer } from './peer';
import { prepareDatabase } from './seed';
import { killAll, startGateway } from './server';
import { events } from './events';
import { approve, dashboard, lookup, search, type PoolVersion, type Workload } from './workloads';
import { measureWebhooks, type WebhookReport } from './webhooks';

const log = (line: string) => process.stderr.write(line + '\n');

/** The versions the approval bots may move now (the approve workload moved some). */
async function readPool(url: string): Promise<PoolVersion[]> {
  const db = createDatabase(databaseTarget(url, 1));
  try {
    return await approvalPool(db.prisma);
  } finally {
    await db.close();
  }
}
const BOTS = 4;
const PAGE_SIZES = [20, 100];

/** Runs workloads one after another against one gateway process, then stops it. */
async function onGateway(
  kind: GatewayKind,
  options: BenchOptions,
  keys: BenchKeys,
  settings: LoadSettings,
  workloads: Workload[],
): Promise<WorkloadReport[]> {
  const gateway = await startGateway({
    databaseUrl: options.db,
    dataloaders: kind === 'loaders',
    adminToken: keys.admin,
    poolSize: 10,
  });
  log(`gateway (${kind === 'loaders' ? 'DataLoaders on' : 'DATALOADERS=false'}) pid ${gateway.pid} on ${gateway.url}`);
  const reports: WorkloadReport[] = [];
  try {
    for (const workload of workloads) {
      await workload.prepare?.(gateway.url);
      const connections = Math.min(settings.connections, workload.maxConnections ?? Infinity);
      log(`  ${workload.name} on ${kind}: ${settings.warmup}s warm-up + ${settings.duration}s x ${connections} connections`);
      gateway.resetPeak();
      const measured = await measure(gateway.url, workload, { ...settings, connections }, gateway.cpuSeconds).finally(() =>
        workload.finish?.(),
      );
      const rss = gateway.peakRss();
      for (const problem of measured.problems) log(`    ! ${workload.name}: ${problem}`);
      reports.push({
        workload: workload.name,
        family: workload.family,
        gateway: kind,
        pid: gateway.pid,
        connections,
        ...measured,
        // The mean under load: API keys are checked from the gateway's cache most of the time.
        statementsPerRequest: Math.round(measured.statements.mean * 100) / 100,
        peakRssMb: rss === null ? null : Math.round((rss / 2 ** 20) * 10) / 10,
      });
    }
  } finally {
    await gateway.stop();
  }
  return reports;
}

export async function main(argv: string[]): Promise<number> {
  let options: BenchOptions | null;
  try {
    options = parseOptions(argv);
  } catch (error) {
    log(`bench: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (!options) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (options.peer) return runPeer(options, { peerDir: options.peerDir, rounds: options.rounds });
  const startedAt = new Date();
  const host = machine();
  const provider = databaseTarget(options.db).provider;
  const params = seedParams(options.models, options.versions);
  const settings: LoadSettings = { duration: options.duration, warmup: options.warmup, connections: options.connections };
  log(`bench: ${redact(options.db)}`);

  log(`registry: ${params.models} models x ${params.versions} versions`);
  const seed = await prepareDatabase(options.db, params, options.reuse, log);
  if (!seed.reused) {
    log(
      `seeded ${seed.totalRows} rows in ${seed.seconds.toFixed(1)} s: ${Math.round(seed.rowsPerSecond)} rows/s, peak RSS ${seed.peakRssMiB} MiB`,
    );
  }

  const db = createDatabase(databaseTarget(options.db, 2));
  let keys: BenchKeys;
  let pool: PoolVersion[];
  let slots: DeploySlot[];
  try {
    keys = await createKeys(db.prisma, BOTS);
    pool = options.workloads.includes('approve') ? await approvalPool(db.prisma) : [];
    slots = options.workloads.includes('deploy') ? await deployPool(db.prisma) : [];
  } finally {
    await db.close();
  }

  const results: WorkloadReport[] = [];
  const wanted = new Set(options.workloads);
  // The N+1 baseline first, on the same data. The deploy bots write deployments only; the
  // approval bots run last because they change stages (the deploy bots deploy PRODUCTION versions).
  if (wanted.has('dashboard') && !options.noNaive) {
    results.push(
      ...(await onGateway(
        'naive',
        options,
        keys,
        settings,
        PAGE_SIZES.map((n) => dashboard(n, params, keys)),
      )),
    );
  }
  const onLoaders: Workload[] = [
    ...(wanted.has('dashboard') ? PAGE_SIZES.map((n) => dashboard(n, params, keys)) : []),
    ...(wanted.has('lookup') ? [lookup(params, keys)] : []),
    ...(wanted.has('search') ? [search(keys)] : []),
    ...(wanted.has('deploy') ? [deploy(slots, keys), deployDashboard(keys)] : []),
    ...(wanted.has('approve') ? [approve(pool, keys)] : []),
    ...(wanted.has('events') ? [events(() => readPool(options.db), keys)] : []),
  ];
  if (onLoaders.length) results.push(...(await onGateway('loaders', options, keys, settings, onLoaders)));
  addRatios(results);
  let webhooks: WebhookReport | undefined;
  if (wanted.has('webhooks')) webhooks = await measureWebhooks(options.db, params, keys, settings, log);

  const report: BenchReport = {
    format: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: `npm run bench -- ${argv.map((a) => (/^postgres/.test(a) ? redact(a) : a)).join(' ')}`.trim(),
    database: { provider, url: redact(options.db), server: await serverVersion(options.db) },
    machine: host,
    settings,
    seed,
    results,
    ...(webhooks ? { webhooks } : {}),
  };
  const paths = writeReport(options.out, report);
  process.stdout.write(
    `\n${summary(report)}\n\n${table(report)}\n\n${notes(report)
      .map((n) => `${n}\n`)
      .join('')}\n`,
  );
  log(`results: ${paths.join(', ')}`);
  const problems = [
    ...results.flatMap((r) => r.problems.map((p) => `${r.workload} (${r.gateway}): ${p}`)),
    ...(webhooks?.problems ?? []).map((p) => `webhooks: ${p}`),
  ];
  if (problems.length) {
    log(`\n${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
    return 1;
  }
  return 0;
}

if (require.main === module) {
  const interrupt = (signal: string) => {
    log(`bench: ${signal}, stopping the gateways`);
    killAll();
    process.exit(130);
  };
  process.once('SIGINT', () => interrupt('SIGINT'));
  process.once('SIGTERM', () => interrupt('SIGTERM'));
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      const detail = error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`bench failed: ${detail}`);
      killAll();
      process.exitCode = 1;
    },
  );
}
