import type { Database } from '../db/client';
import { recordAudit } from '../db/repositories/audit.repository';
import {
  deleteModelUnlessInProduction,
  insertModel,
  renameModel,
  updateModelDescription,
  type ModelRow,
} from '../db/repositories/model.repository';
import { deleteModelTag, insertModelTags, upsertModelTag } from '../db/repositories/tag.repository';
import { conflict } from '../domain/errors';
import { validateModelName, validateText } from '../domain/names';
import { validateKey, validateTagValue, validateTags, type KeyValue } from '../domain/registry';
import type { Principal } from '../domain/roles';
import { uniquely } from './errors';
import { inTransaction, requireModel } from './lookup';
import { guardModelDelete } from './deployment-guards';

export interface CreateModelInput {
  name: string;
  description?: string | null;
  tags?: KeyValue<string>[] | null;
}

/** Use cases that change registered models. Each write and its audit events run in one transaction. */
export class ModelService {
  constructor(private readonly db: Database) {}

  async create(actor: Principal, input: CreateModelInput): Promise<ModelRow> {
    const name = validateModelName(input.name);
    const description = validateText(input.description, 'description');
    const tags = validateTags(input.tags);
    return uniquely(
      () =>
        inTransaction(this.db, async (tx) => {
          const model = await insertModel(tx, { name, description, createdBy: actor.name });
          await insertModelTags(tx, model.id, tags);
          await recordAudit(tx, { action: 'MODEL_CREATED', actor: actor.name, modelName: name, details: { description, tags } });
          return model;
        }),
      `A registered model named "${name}" already exists`,
    );
  }

  /** An omitted description changes nothing; null clears it. */
  async update(actor: Principal, input: { name: string; description?: string | null }): Promise<ModelRow> {
    const description = validateText(input.description, 'description');
    return inTransaction(this.db, async (tx) => {
      const model = await requireModel(tx, input.name);
      if (input.description === undefined) return model;
      const updated = await updateModelDescription(tx, model.id, description);
      await recordAudit(tx, { action: 'MODEL_UPDATED', actor: actor.name, modelName: model.name, details: { description } });
      return updated;
    });
  }

  /** Versions, tags, aliases, requests and policies belong to the model's id, so they move with it. */
  async rename(actor: Principal, input: { name: string; newName: string }): Promise<ModelRow> {
    const newName = validateModelName(input.newName, 'newName');
    return uniquely(
      () =>
        inTransaction(this.db, async (tx) => {
          const model = await requireModel(tx, input.name);
          if (model.name === newName) return model;
          const renamed = await renameModel(tx, model.id, newName);
          await recordAudit(tx, {
            action: 'MODEL_RENAMED',
            actor: actor.name,
            modelName: newName,
            details: { oldName: model.name, newName },
          });
          return renamed;
        }),
      `A registered model named "${newName}" already exists`,
    );
  }

  /** Refused while a version is in PRODUCTION; audit events keep the name it had. */
  /** Returns the deleted model's row id and name. */
  async delete(actor: Principal, input: { name: string }): Promise<{ id: number; name: string }> {
    return inTransaction(this.db, async (tx) => {
      const model = await requireModel(tx, input.name);
      await guardModelDelete(tx, model);
      if (!(await deleteModelUnlessInProduction(tx, model.id))) {
        throw conflict(`Registered model "${model.name}" has a version in PRODUCTION: archive it before deleting the model`);
      }
      await recordAudit(tx, {
        action: 'MODEL_DELETED',
        actor: actor.name,
        modelName: model.name,
        details: { lastVersion: model.lastVersion },
      });
      return { id: model.id, name: model.name };
    });
  }

  async setTag(actor: Principal, input: { name: string; key: string; value: string }): Promise<ModelRow> {
    const key = validateKey(input.key, 'key');
    const value = validateTagValue(input.value, 'value');
    return inTransaction(this.db, async (tx) => {
      const model = await requireModel(tx, input.name);
      await upsertModelTag(tx, model.id, key, value);
      await recordAudit(tx, { action: 'TAG_SET', actor: actor.name, modelName: model.name, details: { key, value } });
      return model;
    });
  }

  /** Deleting a tag that is not there succeeds and changes (and records) nothing. */
  async deleteTag(actor: Principal, input: { name: string; key: string }): Promise<ModelRow> {
    const key = validateKey(input.key, 'key');
    return inTransaction(this.db, async (tx) => {
      const model = await requireModel(tx, input.name);
      if (await deleteModelTag(tx, model.id, key)) {
        await recordAudit(tx, { action: 'TAG_DELETED', actor: actor.name, modelName: model.name, details: { key } });
      }
      return model;
    });
  }
}
