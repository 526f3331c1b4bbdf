import type { Database } from '../db/client';
import { deleteVersionAliases } from '../db/repositories/alias.repository';
import { recordAudit } from '../db/repositories/audit.repository';
import { insertMetrics, upsertMetrics } from '../db/repositories/metric.repository';
import { touchModel } from '../db/repositories/model.repository';
import { deleteVersionTag, insertVersionTags, upsertVersionTag } from '../db/repositories/tag.repository';
import { cancelRequests, findPendingOfVersions } from '../db/repositories/request.repository';
import {
  countPendingRequests,
  insertVersion,
  nextVersionNumber,
  softDeleteUnlessInProduction,
  updateVersionDescription,
  type VersionRow,
} from '../db/repositories/version.repository';
import { badInput, conflict } from '../domain/errors';
import { versionDeletionOutcome } from '../domain/governance';
import { validateText } from '../domain/names';
import { validateKey, validateMetrics, validateSource, validateTagValue, validateTags, type KeyValue } from '../domain/registry';
import type { Principal } from '../domain/roles';
import { inTransaction, requireModel, requireVersion } from './lookup';

export interface CreateVersionInput {
  name: string;
  source: string;
  runId?: string | null;
  runLink?: string | null;
  description?: string | null;
  tags?: KeyValue<string>[] | null;
  metrics?: KeyValue<number>[] | null;
}

interface VersionRef {
  name: string;
  version: number;
}

/** Use cases that change model versions. Each write and its audit events run in one transaction. */
export class VersionService {
  constructor(private readonly db: Database) {}

  /** A new version takes the next number of its model, starts in NONE and is READY. */
  async create(actor: Principal, input: CreateVersionInput): Promise<VersionRow> {
    const source = validateSource(input.source);
    const runId = validateText(input.runId, 'runId', 256);
    const runLink = validateText(input.runLink, 'runLink', 2000);
    const description = validateText(input.description, 'description');
    const tags = validateTags(input.tags);
    const metrics = validateMetrics(input.metrics);
    return inTransaction(this.db, async (tx) => {
      const model = await requireModel(tx, input.name);
      // The increment also marks the model updated, as MLflow does when a version is added.
      const number = await nextVersionNumber(tx, model.id);
      const version = await insertVersion(tx, {
        modelId: model.id,
        version: number,
        source,
        createdBy: actor.name,
        runId,
        runLink,
        description,
      });
      await insertVersionTags(tx, version.id, tags);
      await insertMetrics(tx, version.id, metrics);
      await recordAudit(tx, {
        action: 'VERSION_CREATED',
        actor: actor.name,
        modelName: model.name,
        version: number,
        details: { source, runId, tags, metrics },
      });
      return version;
    });
  }

  /** An omitted description changes nothing; null clears it. */
  async update(actor: Principal, input: VersionRef & { description?: string | null }): Promise<VersionRow> {
    const description = validateText(input.description, 'description');
    return inTransaction(this.db, async (tx) => {
      const { model, version } = await requireVersion(tx, input.name, input.version);
      if (input.description === undefined) return version;
      const updated = await updateVersionDescription(tx, version.id, description);
      await recordAudit(tx, {
        action: 'VERSION_UPDATED',
        actor: actor.name,
        modelName: model.name,
        version: version.version,
        details: { description },
      });
      return updated;
    });
  }

  /**
   * Hides the version from every query (its number stays taken), removes its aliases and
   * cancels its pending requests. Refused while it is in PRODUCTION.
   */
  async delete(actor: Principal, input: VersionRef): Promise<number> {
    return inTransaction(this.db, async (tx) => {
      const { model, version } = await requireVersion(tx, input.name, input.version);
      if (!(await softDeleteUnlessInProduction(tx, version.id))) {
        throw conflict(`Version ${version.version} of "${model.name}" is in PRODUCTION: archive it before deleting it`);
      }
      const aliases = await deleteVersionAliases(tx, version.id);
      const outcome = versionDeletionOutcome({
        actor: actor.name,
        modelName: model.name,
        version: version.version,
        aliases,
        pending: await findPendingOfVersions(tx, [version.id]),
      });
      await cancelRequests(tx, outcome.cancel, new Date());
      await touchModel(tx, model.id);
      await recordAudit(tx, ...outcome.audit);
      return version.version;
    });
  }

  async setTag(actor: Principal, input: VersionRef & { key: string; value: string }): Promise<VersionRow> {
    const key = validateKey(input.key, 'key');
    const value = validateTagValue(input.value, 'value');
    return inTransaction(this.db, async (tx) => {
      const { model, version } = await requireVersion(tx, input.name, input.version);
      await upsertVersionTag(tx, version.id, key, value);
      await recordAudit(tx, {
        action: 'TAG_SET',
        actor: actor.name,
        modelName: model.name,
        version: version.version,
        details: { key, value },
      });
      return version;
    });
  }

  /** Deleting a tag that is not there succeeds and changes (and records) nothing. */
  async deleteTag(actor: Principal, input: VersionRef & { key: string }): Promise<VersionRow> {
    const key = validateKey(input.key, 'key');
    return inTransaction(this.db, async (tx) => {
      const { model, version } = await requireVersion(tx, input.name, input.version);
      if (await deleteVersionTag(tx, version.id, key)) {
        await recordAudit(tx, {
          action: 'TAG_DELETED',
          actor: actor.name,
          modelName: model.name,
          version: version.version,
          details: { key },
        });
      }
      return version;
    });
  }

  /** Replaces values of metrics that exist; refused while the version has a PENDING request. */
  async logMetrics(actor: Principal, input: VersionRef & { metrics: KeyValue<number>[] }): Promise<VersionRow> {
    const metrics = validateMetrics(input.metrics);
    if (metrics.length === 0) throw badInput('metrics must list at least one metric', { field: 'metrics' });
    return inTransaction(this.db, async (tx) => {
      const { model, version } = await requireVersion(tx, input.name, input.version);
      if ((await countPendingRequests(tx, version.id)) > 0) {
        throw conflict(
          `Version ${version.version} of "${model.name}" has a pending transition request: its metrics are frozen until it is decided`,
        );
      }
      await upsertMetrics(tx, version.id, metrics);
      await recordAudit(tx, {
        action: 'METRICS_LOGGED',
        actor: actor.name,
        modelName: model.name,
        version: version.version,
        details: { metrics },
      });
      return version;
    });
  }
}
