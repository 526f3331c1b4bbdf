import { PREPARED, providerOfClient, type Tx } from '../client';
import { dialect, jsonList, versionColumns, versionFromJson, VERSION_COLUMN_COUNT, type Dialect } from '../sql';
import { STAGES } from '../../domain/stages';
import type { VersionRow } from './version.repository';

/** Which children of the models to read; each part is one column of the one statement. */
export interface ChildParts {
  tags: boolean;
  aliases: boolean;
  /** The whole version row each alias points at (for `alias.version`). */
  aliasVersions: boolean;
  latest: boolean;
  latestMetrics: boolean;
  latestTags: boolean;
  /** How many live versions to read per model, newest first; 0 for none. */
  firstVersions: number;
  /** The model's live version count (kept on the model row by every write). */
  versionCount: boolean;
}

export const NO_PARTS: ChildParts = {
  tags: false,
  aliases: false,
  aliasVersions: false,
  latest: false,
  latestMetrics: false,
  latestTags: false,
  firstVersions: 0,
  versionCount: false,
};

export interface ModelTagRow {
  modelId: number;
  key: string;
  value: string;
}
export interface VersionTagRow {
  versionId: number;
  key: string;
  value: string;
}
export interface MetricRow {
  versionId: number;
  key: string;
  value: number;
}
export interface AliasRow {
  modelId: number;
  alias: string;
  versionId: number;
}

export interface LatestVersion {
  version: VersionRow;
  metrics?: MetricRow[];
  tags?: VersionTagRow[];
}

export interface ModelChildren {
  tags: ModelTagRow[];
  aliases: AliasRow[];
  aliasVersions: VersionRow[];
  /** The newest live version in each stage, in stage order. */
  latest: LatestVersion[];
  /** Newest first, at most `firstVersions`. */
  firstVersions: VersionRow[];
  versionCount: number;
}

/** `[[key, value], ...]` of a version's metrics or tags as rows. */
export function keyValueRows(versionId: number, json: unknown): { versionId: number; key: string; value: unknown }[] {
  return (jsonList(json) as [string, unknown][]).map(([key, value]) => ({ versionId, key, value }));
}

const keyValues = (d: Dialect, table: string, parent: string, value = 'x."value"') =>
  `SELECT ${d.agg(d.array('x."key"', value), 'x."key"')} FROM "${table}" x WHERE x."${parent}"`;

/**
 * The children of many models in ONE statement, each part an index-bounded subquery per model:
 * tags and aliases by their primary keys, the newest version of each stage by
 * (modelId, stage, version) with LIMIT 1, the first versions by (modelId, version) with LIMIT n,
 * the count from the model row. No part reads more rows than it returns, however many versions
 * a model has.
 */
export async function findModelChildren(db: Tx, modelIds: readonly number[], parts: ChildParts): Promise<Map<number, ModelChildren>> {
  const d = dialect(providerOfClient(db));
  const columns = ['m."id"'];
  if (parts.tags) columns.push(`${d.nested(`${keyValues(d, 'ModelTag', 'modelId')} = m."id"`)} AS "tags"`);
  if (parts.aliases) {
    const item = d.array('a."alias"', 'a."versionId"', ...(parts.aliasVersions ? versionColumns('v') : []));
    columns.push(
      `${d.nested(`SELECT ${d.agg(item, 'a."alias"')} FROM "ModelAlias" a JOIN "ModelVersion" v ON v."id" = a."versionId" AND v."deletedAt" IS NULL WHERE a."modelId" = m."id"`)} AS "aliases"`,
    );
  }
  if (parts.latest) {
    const extra = [
      ...(parts.latestMetrics ? [d.nested(`${keyValues(d, 'VersionMetric', 'versionId', d.float('x."value"'))} = v."id"`)] : []),
      ...(parts.latestTags ? [d.nested(`${keyValues(d, 'VersionTag', 'versionId')} = v."id"`)] : []),
    ];
    const newest = (stage: string) =>
      d.nested(
        `SELECT ${d.array(...versionColumns('v'), ...extra)} FROM "ModelVersion" v WHERE v."modelId" = m."id" AND v."stage" = '${stage}' AND v."deletedAt" IS NULL ORDER BY v."version" DESC LIMIT 1`,
      );
    columns.push(`${d.array(...STAGES.map(newest))} AS "latest"`);
  }
  if (parts.firstVersions > 0) {
    const take = Math.floor(parts.firstVersions);
    columns.push(
      `${d.nested(
        `SELECT ${d.agg(d.json('p."j"'), 'p."version" DESC')} FROM (SELECT v."version", ${d.array(...versionColumns('v'))} AS "j" FROM "ModelVersion" v WHERE v."modelId" = m."id" AND v."deletedAt" IS NULL ORDER BY v."version" DESC LIMIT ${take}) p`,
      )} AS "firstVersions"`,
    );
  }
  if (parts.versionCount) columns.push('m."liveVersions" AS "versionCount"');
  const sql = `${PREPARED}SELECT ${columns.join(', ')} FROM "RegisteredModel" m WHERE m."id" ${d.inIds}`;
  const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(sql, d.ids(modelIds));

  const result = new Map<number, ModelChildren>();
  for (const row of rows) {
    const modelId = row.id as number;
    const latest: LatestVersion[] = [];
    if (parts.latest) {
      for (const entry of jsonList(row.latest) as (unknown[] | null)[]) {
        if (!entry) continue;
        const version = versionFromJson(entry);
        const item: LatestVersion = { version };
        const tagsAt = VERSION_COLUMN_COUNT + (parts.latestMetrics ? 1 : 0);
        if (parts.latestMetrics) item.metrics = keyValueRows(version.id, entry[VERSION_COLUMN_COUNT]) as MetricRow[];
        if (parts.latestTags) item.tags = keyValueRows(version.id, entry[tagsAt]) as VersionTagRow[];
        latest.push(item);
      }
    }
    const aliasEntries = parts.aliases ? (jsonList(row.aliases) as unknown[][]) : [];
    result.set(modelId, {
      tags: parts.tags ? (jsonList(row.tags) as [string, string][]).map(([key, value]) => ({ modelId, key, value })) : [],
      aliases: aliasEntries.map((a) => ({ modelId, alias: a[0] as string, versionId: a[1] as number })),
      aliasVersions: parts.aliasVersions ? aliasEntries.map((a) => versionFromJson(a.slice(2))) : [],
      latest,
      firstVersions: parts.firstVersions > 0 ? (jsonList(row.firstVersions) as unknown[][]).map(versionFromJson) : [],
      versionCount: parts.versionCount ? Number(row.versionCount) : 0,
    });
  }
  return result;
}
