import { performance } from 'node:perf_hooks';
import { createDatabase, databaseTarget, type Database, type Db } from '../src/db/client';
import type { DirectSql } from '../src/db/direct';
import { migrate } from '../src/db/migrate';
import { nameSearchKey } from '../src/db/repositories/model.repository';
import {
  aliasTargets,
  historyOf,
  modelName,
  modelTags,
  random,
  requestCounts,
  sameParams,
  stageOf,
  versionMetrics,
  versionTags,
  type SeedParams,
  type StageName,
} from './dataset';
import { inspect, redact, SEED_STARTED, SEEDED, wipe } from './database';
import { insertRows } from './bulk-insert';
import * as tables from './tables';
import { UsageError } from './options';

export interface SeedReport {
  params: SeedParams;
  /** true: the database already held this exact seed and was kept (--reuse). */
  reused: boolean;
  /** Rows written per table (empty when reused). */
  rows: Record<string, number>;
  totalRows: number;
  seconds: number;
  rowsPerSecond: number;
  /** The benchmark process's peak resident memory once seeded (it runs the seeder in process). */
  peakRssMiB?: number;
}

const SEEDER = 'bench-seed';

/**
 * The bench's own markers in the audit table (how a later run knows what was seeded). Not
 * registry events, so not through recordAudit (whose vocabulary and outbox are the registry's).
 */
async function benchMarker(db: { prisma: Db }, action: string, details: object): Promise<void> {
  await db.prisma.auditEvent.create({ data: { action, actor: SEEDER, details: JSON.stringify(details) } });
}
const CONTRIBUTOR = 'bench-seed-contributor';
const APPROVER = 'bench-seed-approver';
const HOUR = 3_600_000;

/**
 * Makes `url` hold the registry `params` describes: kept as it is with `reuse` when it already
 * does, else wiped (only when empty or seeded by the benchmark before), migrated and seeded.
 */
export async function prepareDatabase(url: string, params: SeedParams, reuse: boolean, log: (line: string) => void): Promise<SeedReport> {
  const found = await inspect(url);
  if (!found.empty && !found.benchOwned) {
    throw new UsageError(
      `${redact(url)} holds data the benchmark did not seed; it wipes the database it runs on, so name an empty one (or one an earlier benchmark run seeded)`,
    );
  }
  if (reuse && found.seeded && sameParams(found.seeded, params)) {
    await migrate(url);
    const db = createDatabase(databaseTarget(url, 1));
    try {
      await analyze(db); // it may come from a run that did not, or have changed since
    } finally {
      await db.close();
    }
    log(`reusing the seeded database (${params.models} models x ${params.versions} versions)`);
    return { params, reused: true, rows: {}, totalRows: 0, seconds: 0, rowsPerSecond: 0 };
  }
  if (!found.empty) await wipe(url);
  await migrate(url);
  const db = createDatabase(databaseTarget(url, 4));
  try {
    await benchMarker(db, SEED_STARTED, { params });
    const started = performance.now();
    const rows = await seedRegistry(db.direct, params, log);
    await analyze(db);
    const seconds = (performance.now() - started) / 1000;
    const totalRows = Object.values(rows).reduce((a, b) => a + b, 0);
    await benchMarker(db, SEEDED, { params, rows, seconds });
    const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    return { params, reused: false, rows, totalRows, seconds, rowsPerSecond: totalRows / seconds, peakRssMiB };
  } finally {
    await db.close();
  }
}

/**
 * Planner statistics for what was just written: a production PostgreSQL has them from
 * autovacuum by the time a registry is this size (this machine runs without it), and without
 * them the planner seq-scans large tables it would read by index. SQLite's ANALYZE does the same
 * for its query planner.
 */
async function analyze(db: Database): Promise<void> {
  await db.prisma.$executeRawUnsafe('ANALYZE');
}

type Stage = StageName;

/** Versions per slice of models: the seeder holds one slice's rows at a time, whatever the size. */
const VERSIONS_PER_SLICE = 5_000;

/**
 * Seeds the registry one slice of models at a time (models, their tags, versions, version tags
 * and metrics, aliases, requests, decisions, stage history), so memory stays bounded by the
 * slice (under 1 GB at any size); the random sequence and the data are those of a seed in one go.
 */
async function seedRegistry(direct: DirectSql, params: SeedParams, log: (line: string) => void): Promise<Record<string, number>> {
  const { models, versions: count } = params;
  const rnd = random(42);
  const base = Date.now() - (models + 48) * HOUR;
  const rows: Record<string, number> = {
    RegisteredModel: 0,
    ModelTag: 0,
    ModelVersion: 0,
    VersionTag: 0,
    VersionMetric: 0,
    ModelAlias: 0,
    TransitionRequest: 0,
    ApprovalDecision: 0,
    StageTransition: 0,
  };
  const perSlice = Math.max(1, Math.floor(VERSIONS_PER_SLICE / count));
  let reported = 0;
  for (let from = 0; from < models; from += perSlice) {
    const to = Math.min(models, from + perSlice);
    const written = await seedSlice(direct, params, from, to, base, rnd);
    for (const [table, n] of Object.entries(written)) rows[table] += n;
    if (to === models || rows.ModelVersion - reported >= 100_000) {
      log(`  ${to} of ${models} models, ${rows.ModelVersion} versions, ${Object.values(rows).reduce((a, b) => a + b, 0)} rows`);
      reported = rows.ModelVersion;
    }
  }
  return rows;
}

async function seedSlice(
  direct: DirectSql,
  params: SeedParams,
  from: number,
  to: number,
  base: number,
  rnd: () => number,
): Promise<Record<string, number>> {
  const { models, versions: count } = params;
  const modelCreated = (i: number) => new Date(base + i * HOUR);
  const versionCreated = (i: number, v: number) => new Date(base + i * HOUR + v * 60_000);
  const indexes = Array.from({ length: to - from }, (_, k) => from + k);

  const modelRows = indexes.map((i) => {
    const name = modelName(i);
    return {
      name,
      nameLower: nameSearchKey(name),
      description: `Benchmark model ${i}`,
      createdBy: SEEDER,
      createdAt: modelCreated(i),
      updatedAt: versionCreated(i, count),
      lastVersion: count,
      liveVersions: count,
    };
  });
  const createdModels = await insertRows(direct, tables.registeredModel, modelRows, ['id', 'name']);
  const modelIdByName = new Map(createdModels.map((m) => [m.name as string, Number(m.id)]));
  const modelIdOf = (i: number) => modelIdByName.get(modelName(i))!;

  const modelTagRows = indexes.flatMap((i) => modelTags(i).map((t) => ({ modelId: modelIdOf(i), ...t })));
  await insertRows(direct, tables.modelTag, modelTagRows);

  const versionRows = indexes.flatMap((i) =>
    Array.from({ length: count }, (_, k) => {
      const v = k + 1;
      return {
        modelId: modelIdOf(i),
        version: v,
        stage: stageOf(v, count) as Stage,
        status: 'READY' as const,
        source: `s3://models/${modelName(i)}/${v}`,
        runId: `run-${i}-${v}`,
        description: `Version ${v}`,
        createdBy: SEEDER,
        createdAt: versionCreated(i, v),
        updatedAt: versionCreated(i, v),
      };
    }),
  );
  const createdVersions = await insertRows(direct, tables.modelVersion, versionRows, ['id', 'modelId', 'version']);
  const versionIdOf = new Map(createdVersions.map((v) => [`${v.modelId}:${v.version}`, Number(v.id)]));
  const versionId = (i: number, v: number) => versionIdOf.get(`${modelIdOf(i)}:${v}`)!;

  const tagRows: { versionId: number; key: string; value: string }[] = [];
  const metricRows: { versionId: number; key: string; value: number }[] = [];
  for (const i of indexes) {
    for (let v = 1; v <= count; v++) {
      const id = versionId(i, v);
      for (const t of versionTags(i, v, rnd)) tagRows.push({ versionId: id, ...t });
      for (const m of versionMetrics(rnd)) metricRows.push({ versionId: id, ...m });
    }
  }
  await insertRows(direct, tables.versionTag, tagRows);
  await insertRows(direct, tables.versionMetric, metricRows);

  const aliasRows = indexes.flatMap((i) =>
    aliasTargets(count).map(({ alias, version }) => ({ modelId: modelIdOf(i), alias, versionId: versionId(i, version) })),
  );
  await insertRows(direct, tables.modelAlias, aliasRows);

  // A few hundred requests: pending ones on the newest versions, approved ones that promoted the
  // PRODUCTION versions (with their decision and stage change), rejected ones with theirs.
  const counts = requestCounts(models, count);
  const recent = (i: number) => new Date(base + (models + 24) * HOUR + i * 60_000);
  const upTo = (n: number) => indexes.filter((i) => i < n);
  const requestRows = [
    ...upTo(counts.pending).map((i) => ({
      versionId: versionId(i, count),
      fromStage: 'NONE' as Stage,
      toStage: 'STAGING' as Stage,
      status: 'PENDING' as const,
      requestedBy: CONTRIBUTOR,
      comment: 'ready for staging',
      requiredApprovals: 1,
      createdAt: recent(i),
      resolvedAt: null,
    })),
    ...upTo(counts.approved).map((i) => ({
      versionId: versionId(i, count - 2),
      fromStage: 'STAGING' as Stage,
      toStage: 'PRODUCTION' as Stage,
      status: 'APPROVED' as const,
      requestedBy: CONTRIBUTOR,
      comment: 'promote',
      requiredApprovals: 1,
      createdAt: versionCreated(i, count),
      resolvedAt: versionCreated(i, count + 30),
    })),
    ...upTo(counts.rejected).map((i) => ({
      versionId: versionId(i, count),
      fromStage: 'NONE' as Stage,
      toStage: 'PRODUCTION' as Stage,
      status: 'REJECTED' as const,
      requestedBy: CONTRIBUTOR,
      comment: 'skip staging?',
      requiredApprovals: 1,
      createdAt: recent(i),
      resolvedAt: recent(i + 5),
    })),
  ];
  // A version has at most one request of each status.
  const requestIdOf = new Map(
    (await insertRows(direct, tables.transitionRequest, requestRows, ['id', 'versionId', 'status'])).map((r) => [
      `${r.versionId}:${r.status}`,
      Number(r.id),
    ]),
  );
  const createdRequests = requestRows.map((r) => ({ ...r, id: requestIdOf.get(`${r.versionId}:${r.status}`)! }));
  const decisionRows = createdRequests
    .filter((r) => r.status !== 'PENDING')
    .map((r) => ({
      requestId: r.id,
      approver: APPROVER,
      decision: r.status === 'APPROVED' ? ('APPROVE' as const) : ('REJECT' as const),
      comment: r.status === 'APPROVED' ? 'metrics look good' : 'go through staging first',
      createdAt: r.resolvedAt!,
    }));
  await insertRows(direct, tables.approvalDecision, decisionRows);
  const promotedBy = new Map(createdRequests.filter((r) => r.status === 'APPROVED').map((r) => [r.versionId, r.id]));

  const historyRows: { versionId: number; fromStage: Stage; toStage: Stage; at: Date; actor: string; requestId: number | null }[] = [];
  for (const i of indexes) {
    for (let v = 1; v <= count; v++) {
      const id = versionId(i, v);
      historyOf(stageOf(v, count)).forEach(([fromStage, toStage], step) => {
        const requestId = toStage === 'PRODUCTION' ? (promotedBy.get(id) ?? null) : null;
        historyRows.push({ versionId: id, fromStage, toStage, at: versionCreated(i, v + 10 * (step + 1)), actor: APPROVER, requestId });
      });
    }
  }
  await insertRows(direct, tables.stageTransition, historyRows);

  return {
    RegisteredModel: modelRows.length,
    ModelTag: modelTagRows.length,
    ModelVersion: versionRows.length,
    VersionTag: tagRows.length,
    VersionMetric: metricRows.length,
    ModelAlias: aliasRows.length,
    TransitionRequest: requestRows.length,
    ApprovalDecision: decisionRows.length,
    StageTransition: historyRows.length,
  };
}
