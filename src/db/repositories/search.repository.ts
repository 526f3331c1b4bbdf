import type { Provider, Tx } from '../client';
import type { Page, PageRequest, SortKey } from '../../domain/paging';
import type { ModelSearch, TagFilterInput, VersionSearch } from '../../domain/registry-search';
import { orderBy, pageArgs, toPage, type KeysetQuery } from '../keyset';
import type { ModelRow } from './model.repository';
import { live, type VersionRow } from './version.repository';

/*
 * LIKE patterns: Prisma's contains/startsWith put the needle into LIKE unescaped, so `%`, `_`
 * (and on PostgreSQL `\`) act as wildcards; SQLite's LIKE has no default escape character at
 * all and ignores ASCII case. So the searchable column `nameLower` stores the lower-cased name
 * with `%`, `_` and `\` replaced by control characters, which a name can never contain:
 * a needle encoded the same way holds no wildcard on either database, and the match stays exact.
 */
const WILDCARDS: Record<string, string> = { '%': '\u0001', _: '\u0002', '\\': '\u0003' };
const encodeWildcards = (s: string) => s.replace(/[%_\\]/g, (c) => WILDCARDS[c]);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The value of `RegisteredModel.nameLower` for a name. */
export function nameSearchKey(name: string): string {
  return encodeWildcards(name.toLowerCase());
}

const NOTHING = { id: { in: [] as number[] } };

/** namePrefix, exact and case-sensitive. */
function prefixWhere(provider: Provider, prefix: string): Record<string, unknown> {
  if (provider === 'postgres') {
    // PostgreSQL's LIKE is case-sensitive and its default escape character is `\`.
    return { name: { startsWith: prefix.replace(/[%_\\]/g, (c) => '\\' + c) } };
  }
  // SQLite compares text bytewise (code point order): the strings starting with P are exactly
  // those from P up to P followed by the highest code point. No LIKE, so no wildcard and no case folding.
  return { name: { gte: prefix, lt: prefix + '\u{10FFFF}' } };
}

function tagsWhere(tags: readonly TagFilterInput[]): Record<string, unknown>[] {
  return tags.map((t) => ({ tags: { some: { key: t.key, ...(t.value != null ? { value: t.value } : {}) } } }));
}

/** Every given filter field must hold (AND). */
export function modelWhere(provider: Provider, f: ModelSearch): Record<string, unknown> {
  const and: Record<string, unknown>[] = [];
  if (f.name !== undefined) and.push({ name: f.name });
  if (f.nameContains !== undefined) {
    and.push(CONTROL.test(f.nameContains) ? NOTHING : { nameLower: { contains: nameSearchKey(f.nameContains) } });
  }
  if (f.namePrefix !== undefined) and.push(prefixWhere(provider, f.namePrefix));
  and.push(...tagsWhere(f.tags));
  if (f.hasVersionInStage !== undefined) and.push({ versions: { some: { ...live, stage: f.hasVersionInStage } } });
  return and.length ? { AND: and } : {};
}

export function versionWhere(f: VersionSearch): Record<string, unknown> {
  const and: Record<string, unknown>[] = [live];
  if (f.modelName !== undefined) and.push({ model: { name: f.modelName } });
  if (f.stages.length) and.push({ stage: { in: f.stages } });
  if (f.runId !== undefined) and.push({ runId: f.runId });
  if (f.status !== undefined) and.push({ status: f.status });
  and.push(...tagsWhere(f.tags));
  if (f.minVersion !== undefined) and.push({ version: { gte: f.minVersion } });
  if (f.maxVersion !== undefined) and.push({ version: { lte: f.maxVersion } });
  return { AND: and };
}

const DATE_FIELDS: ReadonlySet<string> = new Set(['createdAt', 'updatedAt']);

export const modelKeyset = (keys: SortKey[]): KeysetQuery => ({ kind: 'RegisteredModel', keys, dateFields: DATE_FIELDS });
export const versionKeyset = (keys: SortKey[]): KeysetQuery => ({ kind: 'ModelVersion', keys, dateFields: DATE_FIELDS });
/** A model's own version list: its cursors are refused by any other list. */
export const modelVersionsKeyset = (modelId: number, keys: SortKey[]): KeysetQuery => ({ kind: `ModelVersion@model:${modelId}`, keys, dateFields: DATE_FIELDS });

export async function pageModels(db: Tx, where: Record<string, unknown>, keys: SortKey[], page: PageRequest): Promise<Page<ModelRow>> {
  const q = modelKeyset(keys);
  const rows = await db.registeredModel.findMany(pageArgs(q, page, where) as Parameters<Tx['registeredModel']['findMany']>[0]);
  return toPage(q, page, rows);
}

export function countModels(db: Tx, where: Record<string, unknown>): Promise<number> {
  return db.registeredModel.count({ where } as Parameters<Tx['registeredModel']['count']>[0]);
}

export async function pageVersions(db: Tx, where: Record<string, unknown>, keys: SortKey[], page: PageRequest): Promise<Page<VersionRow>> {
  const q = versionKeyset(keys);
  const rows = await db.modelVersion.findMany(pageArgs(q, page, where) as Parameters<Tx['modelVersion']['findMany']>[0]);
  return toPage(q, page, rows);
}

export function countVersions(db: Tx, where: Record<string, unknown>): Promise<number> {
  return db.modelVersion.count({ where } as Parameters<Tx['modelVersion']['count']>[0]);
}

/**
 * One page of versions for each of several models with the same filter, order and page size,
 * in ONE statement: every parent's rows after its own cursor, ordered by model then the sort
 * keys, sliced per model in memory. A cursor that is not the model's own fails that model only.
 */
export async function pageVersionsOfModels(
  db: Tx,
  parents: readonly { modelId: number; after?: string | null }[],
  where: Record<string, unknown>,
  keys: SortKey[],
  first: number,
): Promise<(Page<VersionRow> | Error)[]> {
  const perParent = parents.map((p) => {
    try {
      const q = modelVersionsKeyset(p.modelId, keys);
      return { q, args: pageArgs(q, { first, after: p.after }, { modelId: p.modelId }) };
    } catch (error) {
      return error as Error;
    }
  });
  const valid = perParent.filter((p): p is Exclude<typeof p, Error> => !(p instanceof Error));
  const rows = valid.length
    ? await db.modelVersion.findMany({
      where: { AND: [where, { OR: valid.map((p) => p.args.where) }] },
      orderBy: [{ modelId: 'asc' }, ...orderBy(keys)],
    } as Parameters<Tx['modelVersion']['findMany']>[0])
    : [];
  const byModel = new Map<number, VersionRow[]>();
  for (const row of rows) {
    const list = byModel.get(row.modelId) ?? [];
    if (list.length <= first) list.push(row);
    byModel.set(row.modelId, list);
  }
  return parents.map((p, i) => {
    const entry = perParent[i];
    if (entry instanceof Error) return entry;
    return toPage(entry.q, { first, after: p.after }, byModel.get(p.modelId) ?? []);
  });
}

/** How many versions match the filter in each model, in one statement. */
export async function countVersionsOfModels(db: Tx, modelIds: readonly number[], where: Record<string, unknown>): Promise<Map<number, number>> {
  const groups = await db.modelVersion.groupBy({
    by: ['modelId'],
    where: { AND: [where, { modelId: { in: [...modelIds] } }] },
    _count: { _all: true },
  } as never) as unknown as { modelId: number; _count: { _all: number } }[];
  return new Map(groups.map((g) => [g.modelId, g._count._all]));
}
