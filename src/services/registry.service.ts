import type { Database } from '../db/client';
import { recordAudit } from '../db/repositories/audit.repository';
import { findModelByName, type ModelRow } from '../db/repositories/model.repository';
import { findVersion, nextVersionNumber, type VersionRow } from '../db/repositories/version.repository';
import { badInput, notFound } from '../domain/errors';
import { validateModelName, validateText } from '../domain/names';
import type { Principal } from '../domain/roles';
import { uniquely } from './errors';

export interface TagInput { key: string; value: string }

export interface MetricInput { key: string; value: number }

export interface CreateVersionInput {
  name: string;
  source: string;
  runId?: string | null;
  runLink?: string | null;
  description?: string | null;
  tags?: TagInput[] | null;
  metrics?: MetricInput[] | null;
}

export interface CreateModelInput {
  name: string;
  description?: string | null;
  tags?: TagInput[] | null;
}

/** Use cases on registered models. Each write and its audit events run in one transaction. */
export class RegistryService {
  constructor(private readonly db: Database) {}

  async createModel(actor: Principal, input: CreateModelInput): Promise<ModelRow> {
    const name = validateModelName(input.name);
    const description = validateText(input.description, 'description');
    const tags = input.tags ?? [];
    return uniquely(() => this.db.prisma.$transaction(async (tx) => {
      const model = await tx.registeredModel.create({
        data: { name, nameLower: name.toLowerCase(), description, createdBy: actor.name },
      });
      if (tags.length) await tx.modelTag.createMany({ data: tags.map((t) => ({ modelId: model.id, key: t.key, value: t.value })) });
      await recordAudit(tx, { action: 'MODEL_CREATED', actor: actor.name, modelName: name, details: { description, tags } });
      return model;
    }), `A registered model named "${name}" already exists`);
  }

  findModel(name: string): Promise<ModelRow | null> {
    return findModelByName(this.db.prisma, name);
  }

  /** A new version takes the next number of its model, starts in NONE and is READY. */
  async createVersion(actor: Principal, input: CreateVersionInput): Promise<VersionRow> {
    const source = validateText(input.source, 'source', 1000);
    if (!source) throw badInput('source must be 1 to 1000 characters', { field: 'source' });
    return this.db.prisma.$transaction(async (tx) => {
      const model = await findModelByName(tx, input.name);
      if (!model) throw notFound(`No registered model named "${input.name}"`);
      const number = await nextVersionNumber(tx, model.id);
      const version = await tx.modelVersion.create({
        data: {
          modelId: model.id, version: number, source, createdBy: actor.name,
          runId: input.runId ?? null, runLink: input.runLink ?? null, description: validateText(input.description, 'description'),
        },
      });
      const tags = input.tags ?? [];
      const metrics = input.metrics ?? [];
      if (tags.length) await tx.versionTag.createMany({ data: tags.map((t) => ({ versionId: version.id, key: t.key, value: t.value })) });
      if (metrics.length) await tx.versionMetric.createMany({ data: metrics.map((m) => ({ versionId: version.id, key: m.key, value: m.value })) });
      await recordAudit(tx, { action: 'VERSION_CREATED', actor: actor.name, modelName: model.name, version: number, details: { source, runId: input.runId ?? null, tags, metrics } });
      return version;
    });
  }

  /** By number or by alias (exactly one); null when there is none. */
  async findVersion(modelName: string, ref: { version?: number | null; alias?: string | null }): Promise<VersionRow | null> {
    if ((ref.version == null) === (ref.alias == null)) throw badInput('Give exactly one of version and alias', { field: 'version' });
    if (ref.version != null) return findVersion(this.db.prisma, modelName, ref.version);
    const alias = await this.db.prisma.modelAlias.findFirst({ where: { alias: ref.alias!, model: { name: modelName } }, include: { version: true } });
    return alias && !alias.version.deletedAt ? alias.version : null;
  }
}
