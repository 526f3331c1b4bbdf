import type autocannon from 'autocannon';
import type { Db } from '../src/db/client';
import { shuffled } from './dataset';
import type { BenchKeys } from './keys';
import type { Workload } from './workloads';

/** A model and an environment the deploy bots may deploy to: one flow at a time per slot. */
export interface DeploySlot {
  name: string;
  version: number;
  environment: string;
}

export const DEPLOY_ENVIRONMENTS = 8;
const environmentName = (i: number) => `bench-prod-${i}`;

/**
 * Environments requiring PRODUCTION and, per model, its newest version in PRODUCTION: every
 * (model, environment) pair is a slot. Idempotent on a reused database: the environments are
 * kept, and deployments an interrupted run left active are cancelled so that their slots are free.
 */
export async function deployPool(prisma: Db, limit = 20_000): Promise<DeploySlot[]> {
  for (let i = 0; i < DEPLOY_ENVIRONMENTS; i++) {
    await prisma.environment.upsert({
      where: { name: environmentName(i) },
      create: { name: environmentName(i), requiredStage: 'PRODUCTION', createdBy: 'bench', description: 'Benchmark target' },
      update: {},
    });
  }
  await prisma.deployment.updateMany({
    where: { activeKey: { not: null } },
    data: { activeKey: null, status: 'CANCELLED', finishedAt: new Date() },
  });
  const versions = await prisma.modelVersion.findMany({
    where: { deletedAt: null, status: 'READY', stage: 'PRODUCTION' },
    select: { version: true, modelId: true, model: { select: { name: true } } },
    orderBy: [{ modelId: 'asc' }, { version: 'desc' }],
  });
  const newest = new Map<number, { name: string; version: number }>();
  for (const v of versions) if (!newest.has(v.modelId)) newest.set(v.modelId, { name: v.model.name, version: v.version });
  const slots = [...newest.values()].flatMap((m) =>
    Array.from({ length: DEPLOY_ENVIRONMENTS }, (_, e) => ({ ...m, environment: environmentName(e) })),
  );
  return shuffled(slots, 5).slice(0, limit);
}

const json = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

const START = `mutation StartDeployment($input: StartDeploymentInput!) {
  startDeployment(input: $input) { deployment { id status } }
}`;

const REPORT = `mutation ReportDeploymentStatus($input: ReportDeploymentStatusInput!) {
  reportDeploymentStatus(input: $input) { deployment { id status isCurrent } }
}`;

export const DEPLOY_DASHBOARD = `query DeploymentsDashboard {
  environments {
    name requiredStage
    stats { succeeded failed active successRate }
    currentDeployments(first: 100) {
      totalCount
      edges { node { status outOfPolicy endpointUrl modelVersion { version stage model { name } } } }
    }
  }
}`;

const IDLE = JSON.stringify({ query: 'query Idle { viewer { name } }' });

function deploymentOf(body: string, field: string): { id: string; status: string } | null {
  try {
    const parsed = JSON.parse(body) as { data?: Record<string, { deployment: { id: string; status: string } } | null>; errors?: unknown[] };
    const deployment = parsed.data?.[field]?.deployment;
    return !parsed.errors?.length && deployment ? deployment : null;
  } catch {
    return null;
  }
}

/**
 * Deploy bots: each flow is three requests on one connection, by one contributor: start a
 * deployment of a PRODUCTION version to a PRODUCTION environment, report IN_PROGRESS, report
 * SUCCEEDED (which moves `isCurrent`). A slot is used by one flow at a time, so flows never
 * collide on the one-active-deployment rule.
 */
export function deploy(pool: DeploySlot[], keys: BenchKeys): Workload {
  const free = [...pool];
  let flow = 0;
  const counts = { succeeded: 0, startErrors: 0, reportErrors: 0, idle: 0 };
  const sql = { start: 0, starts: 0, report: 0, reports: 0 };
  const statementsOf = (headers: Record<string, string | string[]>) => Number(headers['x-sql-statements']) || 0;
  const bearer = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });
  type Ctx = { slot?: DeploySlot; bot?: number; id?: string | null; idle?: boolean };

  const reportStep = (status: 'IN_PROGRESS' | 'SUCCEEDED'): autocannon.Request => ({
    method: 'POST',
    path: '/graphql',
    setupRequest(req, context) {
      const ctx = context as Ctx;
      if (ctx.idle || !ctx.id) return null;
      const input = {
        id: ctx.id,
        status,
        message: status === 'SUCCEEDED' ? 'healthy' : 'rolling out',
        endpointUrl: 'https://bench.example.com/v1',
      };
      return { ...req, headers: bearer(keys.contributors[ctx.bot!]), body: json(REPORT, { input }) };
    },
    onResponse(_status, body, context, headers) {
      const ctx = context as Ctx;
      if (ctx.idle || !ctx.slot) return;
      sql.report += statementsOf(headers);
      sql.reports += 1;
      const deployment = deploymentOf(body, 'reportDeploymentStatus');
      if (!deployment) {
        counts.reportErrors += 1;
        // The deployment may still hold its slot: leave the slot out rather than collide.
        ctx.id = null;
      } else if (status === 'SUCCEEDED') {
        counts.succeeded += 1;
        free.push(ctx.slot);
      }
    },
  });

  return {
    name: 'deploy',
    family: 'deploy',
    token: keys.viewer,
    requests: [
      {
        method: 'POST',
        path: '/graphql',
        setupRequest(req, context) {
          const ctx = context as Ctx;
          const slot = free.shift();
          const bot = flow++ % keys.contributors.length;
          if (!slot) {
            Object.assign(ctx, { idle: true });
            counts.idle += 1;
            return { ...req, headers: bearer(keys.viewer), body: IDLE };
          }
          Object.assign(ctx, { slot, bot, idle: false, id: null });
          return {
            ...req,
            headers: bearer(keys.contributors[bot]),
            body: json(START, {
              input: { name: slot.name, version: slot.version, environment: slot.environment, config: '{"replicas":2}' },
            }),
          };
        },
        onResponse(_status, body, context, headers) {
          const ctx = context as Ctx;
          if (ctx.idle || !ctx.slot) return;
          sql.start += statementsOf(headers);
          sql.starts += 1;
          const deployment = deploymentOf(body, 'startDeployment');
          if (deployment) ctx.id = deployment.id;
          else {
            counts.startErrors += 1;
            free.push(ctx.slot);
          }
        },
      },
      reportStep('IN_PROGRESS'),
      reportStep('SUCCEEDED'),
    ],
    probes: [],
    // A slot per connection and some spare, so that no flow waits for a slot another one holds.
    maxConnections: Math.max(1, Math.floor(pool.length / 2)),
    reset() {
      Object.assign(counts, { succeeded: 0, startErrors: 0, reportErrors: 0, idle: 0 });
      Object.assign(sql, { start: 0, starts: 0, report: 0, reports: 0 });
    },
    extra: () => ({
      ...counts,
      slotsFree: free.length,
      statementsPerStart: sql.starts ? sql.start / sql.starts : NaN,
      statementsPerReport: sql.reports ? sql.report / sql.reports : NaN,
    }),
  };
}

/** What runs where: every environment with its stats and current deployments (up to 100 each). */
export function deployDashboard(keys: BenchKeys): Workload {
  const body = json(DEPLOY_DASHBOARD, {});
  return {
    name: 'deploy-dashboard',
    family: 'deploy',
    token: keys.viewer,
    requests: [{ method: 'POST', path: '/graphql', body }],
    probes: [
      {
        body,
        token: keys.viewer,
        check(data) {
          const envs = (data.environments as { name: string; currentDeployments: { totalCount: number } }[]).filter((e) =>
            e.name.startsWith('bench-prod-'),
          );
          if (envs.length !== DEPLOY_ENVIRONMENTS) return `${envs.length} benchmark environments, expected ${DEPLOY_ENVIRONMENTS}`;
          return null;
        },
      },
    ],
  };
}
