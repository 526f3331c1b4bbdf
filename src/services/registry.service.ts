import type { Database } from '../db/client';
import { recordAudit } from '../db/repositories/audit.repository';
import { findModelByName, type ModelRow } from '../db/repositories/model.repository';
import { validateModelName, validateText } from '../domain/names';
import type { Principal } from '../domain/roles';
import { uniquely } from './errors';

export interface TagInput { key: string; value: string }

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
}
