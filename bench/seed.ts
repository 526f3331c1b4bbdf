import { performance } from 'node:perf_hooks';
import { createDatabase, databaseTarget, type Db } from '../src/db/client';
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
    log(`reusing the seeded database (${params.models} models x ${params.versions} versions)`);
    return { params, reused: true, rows: {}, totalRows: 0, seconds: 0, rowsPerSecond: 0 };
  }
  if (!found.empty) await wipe(url);
  await migrate(url);
  const db = createDatabase(databaseTarget(url, 4));
  try {
    await benchMarker(db, SEED_STARTED, { params });
    const started = performance.now();
    const rows = await seedRegistry(db.prisma, params, log);
    const seconds = (performance.now() - started) / 1000;
    const totalRows = Object.values(rows).reduce((a, b) => a + b, 0);
    await benchMarker(db, SEEDED, { params, rows, seconds });
    return { params, reused: false, rows, totalRows, seconds, rowsPerSecond: totalRows / seconds };
  } finally {
    await db.close();
  }
}

/** Rows per INSERT: measured fastest around 1,000, and well under either database's bind-parameter limit. */
function perStatement(columns: number): number {
  return Math.min(1000, Math.floor(30_000 / columns));
}

async function inChunks<T, R>(rows: T[], columns: number, insert: (chunk: T[]) => Promise<R[] | unknown>): Promise<R[]> {
  const out: R[] = [];
  const size = perStatement(columns);
  for (let i = 0; i < rows.length; i += size) {
    const result = await insert(rows.slice(i, i + size));
    if (Array.isArray(result)) out.push(...(result as R[]));
  }
  return out;
}

type Stage = StageName;

async function seedRegistry(prisma: Db, params: SeedParams, log: (line: string) => void): Promise<Record<string, number>> {
  const { models, versions: count } = params;
  const rnd = random(42);
  const base = Date.now() - (models + 48) * HOUR;
  const modelCreated = (i: number) => new Date(base + i * HOUR);
  const versionCreated = (i: number, v: number) => new Date(base + i * HOUR + v * 60_000);

  const modelRows = Array.from({ length: models }, (_, i) => {
    const name = modelName(i);
    return {
      name,
      nameLower: nameSearchKey(name),
      description: `Benchmark model ${i}`,
      createdBy: SEEDER,
      createdAt: modelCreated(i),
      updatedAt: versionCreated(i, count),
      lastVersion: count,
    };
  });
  const createdModels = await inChunks<(typeof modelRows)[number], { id: number; name: string }>(modelRows, 7, (chunk) =>
    prisma.registeredModel.createManyAndReturn({ data: chunk, select: { id: true, name: true } }),
  );
  const modelIdByName = new Map(createdModels.map((m) => [m.name, m.id]));
  const modelIds = modelRows.map((m) => modelIdByName.get(m.name)!);
  log(`  ${models} models`);

  const modelTagRows = modelIds.flatMap((modelId, i) => modelTags(i).map((t) => ({ modelId, ...t })));
  await inChunks(modelTagRows, 3, (chunk) => prisma.modelTag.createMany({ data: chunk }));

  const versionRows = modelIds.flatMap((modelId, i) =>
    Array.from({ length: count }, (_, k) => {
      const v = k + 1;
      return {
        modelId,
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
  const createdVersions = await inChunks<(typeof versionRows)[number], { id: number; modelId: number; version: number }>(
    versionRows,
    10,
    (chunk) => prisma.modelVersion.createManyAndReturn({ data: chunk, select: { id: true, modelId: true, version: true } }),
  );
  const versionIdOf = new Map(createdVersions.map((v) => [`${v.modelId}:${v.version}`, v.id]));
  const versionId = (i: number, v: number) => versionIdOf.get(`${modelIds[i]}:${v}`)!;
  log(`  ${versionRows.length} versions`);

  const tagRows: { versionId: number; key: string; value: string }[] = [];
  const metricRows: { versionId: number; key: string; value: number }[] = [];
  for (let i = 0; i < models; i++) {
    for (let v = 1; v <= count; v++) {
      const id = versionId(i, v);
      for (const t of versionTags(i, v, rnd)) tagRows.push({ versionId: id, ...t });
      for (const m of versionMetrics(rnd)) metricRows.push({ versionId: id, ...m });
    }
  }
  await inChunks(tagRows, 3, (chunk) => prisma.versionTag.createMany({ data: chunk }));
  await inChunks(metricRows, 3, (chunk) => prisma.versionMetric.createMany({ data: chunk }));
  log(`  ${tagRows.length} version tags, ${metricRows.length} metrics`);

  const aliasRows = modelIds.flatMap((modelId, i) =>
    aliasTargets(count).map(({ alias, version }) => ({ modelId, alias, versionId: versionId(i, version) })),
  );
  await inChunks(aliasRows, 3, (chunk) => prisma.modelAlias.createMany({ data: chunk }));

  // A few hundred requests: pending ones on the newest versions, approved ones that promoted the
  // PRODUCTION versions (with their decision and stage change), rejected ones with theirs.
  const counts = requestCounts(models, count);
  const recent = (i: number) => new Date(base + (models + 24) * HOUR + i * 60_000);
  const requestRows = [
    ...Array.from({ length: counts.pending }, (_, i) => ({
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
    ...Array.from({ length: counts.approved }, (_, i) => ({
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
    ...Array.from({ length: counts.rejected }, (_, i) => ({
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
  const createdRequests = await inChunks<
    (typeof requestRows)[number],
    { id: number; versionId: number; status: string; resolvedAt: Date | null }
  >(requestRows, 10, (chunk) =>
    prisma.transitionRequest.createManyAndReturn({ data: chunk, select: { id: true, versionId: true, status: true, resolvedAt: true } }),
  );
  const decisionRows = createdRequests
    .filter((r) => r.status !== 'PENDING')
    .map((r) => ({
      requestId: r.id,
      approver: APPROVER,
      decision: r.status === 'APPROVED' ? ('APPROVE' as const) : ('REJECT' as const),
      comment: r.status === 'APPROVED' ? 'metrics look good' : 'go through staging first',
      createdAt: r.resolvedAt!,
    }));
  await inChunks(decisionRows, 5, (chunk) => prisma.approvalDecision.createMany({ data: chunk }));
  const promotedBy = new Map(createdRequests.filter((r) => r.status === 'APPROVED').map((r) => [r.versionId, r.id]));

  const historyRows: { versionId: number; fromStage: Stage; toStage: Stage; at: Date; actor: string; requestId: number | null }[] = [];
  for (let i = 0; i < models; i++) {
    for (let v = 1; v <= count; v++) {
      const id = versionId(i, v);
      historyOf(stageOf(v, count)).forEach(([fromStage, toStage], step) => {
        const requestId = toStage === 'PRODUCTION' ? (promotedBy.get(id) ?? null) : null;
        historyRows.push({ versionId: id, fromStage, toStage, at: versionCreated(i, v + 10 * (step + 1)), actor: APPROVER, requestId });
      });
    }
  }
  await inChunks(historyRows, 6, (chunk) => prisma.stageTransition.createMany({ data: chunk }));
  log(`  ${requestRows.length} transition requests, ${decisionRows.length} decisions, ${historyRows.length} stage changes`);

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
