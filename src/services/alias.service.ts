import type { Database } from '../db/client';
import { deleteAlias, findAlias, upsertAlias } from '../db/repositories/alias.repository';
import { recordAudit } from '../db/repositories/audit.repository';
import type { ModelRow } from '../db/repositories/model.repository';
import { validateAlias } from '../domain/registry';
import type { Principal } from '../domain/roles';
import { inTransaction, requireModel, requireVersion } from './lookup';

/** Aliases: a name that points at one live version of its model. */
export class AliasService {
  constructor(private readonly db: Database) {}

  /** Points the alias at the version, moving it when it pointed elsewhere. */
  async set(actor: Principal, input: { name: string; alias: string; version: number }): Promise<ModelRow> {
    const alias = validateAlias(input.alias);
    return inTransaction(this.db, async (tx) => {
      const { model, version } = await requireVersion(tx, input.name, input.version);
      const previous = await findAlias(tx, model.id, alias);
      await upsertAlias(tx, model.id, alias, version.id);
      await recordAudit(tx, {
        action: 'ALIAS_SET',
        actor: actor.name,
        modelName: model.name,
        version: version.version,
        details: { alias, version: version.version, previousVersion: previous?.version.version ?? null },
      });
      return model;
    });
  }

  /** Deleting an alias that does not exist succeeds and changes (and records) nothing. */
  async delete(actor: Principal, input: { name: string; alias: string }): Promise<ModelRow> {
    const alias = validateAlias(input.alias);
    return inTransaction(this.db, async (tx) => {
      const model = await requireModel(tx, input.name);
      const existing = await findAlias(tx, model.id, alias);
      if (existing && (await deleteAlias(tx, model.id, alias))) {
        await recordAudit(tx, {
          action: 'ALIAS_DELETED',
          actor: actor.name,
          modelName: model.name,
          version: existing.version.version,
          details: { alias },
        });
      }
      return model;
    });
  }
}
