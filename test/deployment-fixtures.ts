// Shared set-up of the deployment tests: environments, versions in a stage, and refusals that
// must leave no trace, all over HTTP.
import {
  CreateModelDocument,
  CreateVersionDocument,
  DepCreateEnvironmentDocument,
  DepReportDocument,
  DepStartDocument,
  GovTransitionStageDocument,
  type DeploymentStatus,
  type Stage,
} from './__generated__/graphql';
import { codes, type GraphQLResponse, type TestApi } from './support/api';

/** Creates an environment as the admin. */
export async function environment(api: TestApi, name: string, requiredStage: Stage, description?: string) {
  return (await api.data(DepCreateEnvironmentDocument, { input: { name, requiredStage, description } })).createEnvironment.environment;
}

/** A model with one version per listed stage (version n in stages[n-1]), moved by the admin's direct transitions. */
export async function modelWithStages(api: TestApi, name: string, stages: Stage[]): Promise<void> {
  await api.data(CreateModelDocument, { input: { name } });
  for (let i = 0; i < stages.length; i++) {
    await api.data(CreateVersionDocument, { input: { name, source: `s3://models/${name}/${i + 1}` } });
    if (stages[i] !== 'NONE') await moveTo(api, name, i + 1, stages[i]);
  }
}

export async function moveTo(api: TestApi, name: string, version: number, toStage: Stage, archiveExistingVersions = false) {
  await api.data(GovTransitionStageDocument, { input: { name, version, toStage, archiveExistingVersions } });
}

/** Starts a deployment as `token`; returns its id. */
export async function start(api: TestApi, token: string, name: string, version: number, env: string, config?: string): Promise<string> {
  return (await api.data(DepStartDocument, { input: { name, version, environment: env, config } }, { token })).startDeployment.deployment
    .id;
}

export async function report(
  api: TestApi,
  token: string,
  id: string,
  status: DeploymentStatus,
  extra: { message?: string; endpointUrl?: string } = {},
) {
  return (await api.data(DepReportDocument, { input: { id, status, ...extra } }, { token })).reportDeploymentStatus.deployment;
}

/** Starts a deployment and reports it SUCCEEDED; returns its id. */
export async function deployed(api: TestApi, token: string, name: string, version: number, env: string, config?: string): Promise<string> {
  const id = await start(api, token, name, version, env, config);
  await report(api, token, id, 'SUCCEEDED');
  return id;
}

/** What a refused mutation must leave unchanged: rows of every deployment table and the audit log. */
async function footprint(api: TestApi) {
  const p = api.db.prisma;
  return {
    deployments: await p.deployment.findMany({ orderBy: { id: 'asc' } }),
    environments: await p.environment.findMany({ orderBy: { id: 'asc' } }),
    audit: await p.auditEvent.count(),
  };
}

/** Runs a mutation that must fail with `code` and change nothing; returns its first error. */
export async function refused(api: TestApi, code: string, mutate: () => Promise<GraphQLResponse<unknown>>) {
  const before = await footprint(api);
  const result = await mutate();
  expect(codes(result)).toEqual([code]);
  expect(result.data ?? null).toBeNull();
  expect(await footprint(api)).toEqual(before);
  return result.errors![0];
}

/** The audit events of these actions, oldest first, with parsed details. */
export async function auditActions(api: TestApi, actions: string[]) {
  const rows = await api.db.prisma.auditEvent.findMany({ where: { action: { in: actions } }, orderBy: { id: 'asc' } });
  return rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
}
