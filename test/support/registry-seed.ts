import type { Principal } from '../../src/domain/roles';
import { Role } from '../../src/domain/roles';
import { createServices } from '../../src/services';
import { codes, type GraphQLResponse, type TestApi } from './api';

/** Puts a version in a stage directly (governance, which owns stage changes, is not needed here). */
export async function setStage(api: TestApi, name: string, version: number, stage: 'NONE' | 'STAGING' | 'PRODUCTION' | 'ARCHIVED') {
  const { count } = await api.db.prisma.modelVersion.updateMany({ where: { model: { name }, version }, data: { stage } });
  expect(count).toBe(1);
}

/** Seeds through the services (fast, and the same rules as the API). */
export function seeder(api: TestApi) {
  const services = createServices(api.db);
  const actor: Principal = { id: 1, name: 'seeder', roles: [Role.ADMIN] };
  return {
    model: (name: string, tags: { key: string; value: string }[] = [], description?: string) =>
      services.models.create(actor, { name, tags, description }),
    version: (
      name: string,
      extra: { tags?: { key: string; value: string }[]; metrics?: { key: string; value: number }[]; runId?: string } = {},
    ) => services.versions.create(actor, { name, source: `s3://bucket/${name}`, ...extra }),
    alias: (name: string, alias: string, version: number) => services.aliases.set(actor, { name, alias, version }),
  };
}

/**
 * Runs a mutation that must fail with `code`, and checks that it changed nothing: what `reread`
 * reads through the API is the same before and after, and no audit event was written.
 */
export async function expectRefused(
  api: TestApi,
  code: string,
  mutate: () => Promise<GraphQLResponse<unknown>>,
  reread: () => Promise<unknown>,
): Promise<GraphQLResponse<unknown>> {
  const before = await reread();
  const audits = await api.db.prisma.auditEvent.count();
  const result = await mutate();
  expect(codes(result)).toEqual([code]);
  expect(result.data ?? null).toBeNull();
  expect(await reread()).toEqual(before);
  expect(await api.db.prisma.auditEvent.count()).toBe(audits);
  return result;
}

/** The audit events of a model, oldest first, as the database holds them. */
export function auditOf(api: TestApi, modelName: string) {
  return api.db.prisma.auditEvent.findMany({ where: { modelName }, orderBy: { id: 'asc' } });
}
