import { providerOfClient, type Provider, type Tx } from '../client';
import { Prisma } from '../generated/sqlite/client';
import type { Page, PageRequest, SortKey } from '../../domain/paging';
import type { ModelSearch, TagFilterInput, VersionSearch } from '../../domain/registry-search';
import { afterSql, orderBy, orderBySql, pageArgs, toPage, type KeysetQuery } from '../keyset';
import { dialect, rawDate, rawText } from '../sql';
import { nameSearchKey, type ModelRow } from './model.repository';
import { live, type VersionRow } from './version.repository';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

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
const INT_FIELDS: ReadonlySet<string> = new Set(['version']);

export const versionKeyset = (keys: SortKey[]): KeysetQuery => ({
  kind: 'ModelVersion',
  keys,
  dateFields: DATE_FIELDS,
  intFields: INT_FIELDS,
});
/** A model's own version list: its cursors are refused by any other list. */
export const modelVersionsKeyset = (modelId: number, keys: SortKey[]): KeysetQuery => ({
  kind: `ModelVersion@model:${modelId}`,
  keys,
  dateFields: DATE_FIELDS,
  intFields: INT_FIELDS,
});

export async function pageModels(db: Tx, where: Record<string, unknown>, keys: SortKey[], page: PageRequest): Promise<Page<ModelRow>> {
  const q = modelKeyset(keys);
  const rows = isEmpty(where)
    ? await allModelsPage(db, q, page)
    : await db.registeredModel.findMany(pageArgs(q, page, where) as Parameters<Tx['registeredModel']['findMany']>[0]);
  return toPage(q, page, rows);
}

export async function countModels(db: Tx, where: Record<string, unknown>): Promise<number> {
  if (!isEmpty(where)) return db.registeredModel.count({ where } as Parameters<Tx['registeredModel']['count']>[0]);
  const [row] = await db.$queryRawUnsafe<{ n: number | bigint | string }[]>(`SELECT COUNT(*) AS "n" FROM "RegisteredModel"`);
  return Number(row.n);
}

const isEmpty = (where: Record<string, unknown>) => Object.keys(where).length === 0;

// The only columns a model list sorts by: names interpolated into SQL come from this list.
const MODEL_SORT_COLUMNS: ReadonlySet<string> = new Set(['name', 'createdAt', 'updatedAt', 'id']);
const MODEL_COLUMNS = ['id', 'name', 'nameLower', 'description', 'createdBy', 'createdAt', 'updatedAt', 'lastVersion', 'liveVersions'];

/**
 * A page of every model (the dashboard's list), hand-written: the same keyset as pageArgs (rows
 * strictly after the cursor, in the sort keys with the id last), on the driver, so that the read
 * path does not wake Prisma's query compiler. Filtered lists go through Prisma's client.
 */
async function allModelsPage(db: Tx, q: KeysetQuery, page: PageRequest): Promise<ModelRow[]> {
  const d = dialect(providerOfClient(db));
  const params: unknown[] = [];
  const param = (value: unknown) => (params.push(value), d.param(params.length));
  const after = page.after != null ? `WHERE ${afterSql(q, page.after, MODEL_SORT_COLUMNS, param)}` : '';
  const order = orderBySql(q.keys, MODEL_SORT_COLUMNS);
  const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(
    `SELECT ${MODEL_COLUMNS.map((c) => `"${c}"`).join(', ')} FROM "RegisteredModel" ${after} ORDER BY ${order} LIMIT ${page.first + 1}`,
    ...params,
  );
  return rows.map(toModelRow);
}

/** A raw model row as Prisma's own queries return it (dates as Date, numbers as number). */
function toModelRow(raw: Record<string, unknown>): ModelRow {
  return {
    id: Number(raw.id),
    name: String(raw.name),
    nameLower: String(raw.nameLower),
    description: rawText(raw.description),
    createdBy: String(raw.createdBy),
    createdAt: rawDate(raw.createdAt)!,
    updatedAt: rawDate(raw.updatedAt)!,
    lastVersion: Number(raw.lastVersion),
    liveVersions: Number(raw.liveVersions),
  };
}

export async function pageVersions(db: Tx, where: Record<string, unknown>, keys: SortKey[], page: PageRequest): Promise<Page<VersionRow>> {
  const q = versionKeyset(keys);
  const rows = await db.modelVersion.findMany(pageArgs(q, page, where) as Parameters<Tx['modelVersion']['findMany']>[0]);
  return toPage(q, page, rows);
}

export function countVersions(db: Tx, where: Record<string, unknown>): Promise<number> {
  return db.modelVersion.count({ where } as Parameters<Tx['modelVersion']['count']>[0]);
}

// The only columns a version list sorts by: names interpolated into SQL come from this list.
const VERSION_SORT_COLUMNS: ReadonlySet<string> = new Set(['version', 'createdAt', 'updatedAt', 'id']);

/**
 * The first `take` live versions of each model in one statement, with ROW_NUMBER() per model
 * (both databases have window functions): a model with thousands of versions costs `take` rows.
 */
async function firstVersionsOfModels(db: Tx, modelIds: readonly number[], keys: SortKey[], take: number): Promise<VersionRow[]> {
  const orderSql = Prisma.raw(orderBySql(keys, VERSION_SORT_COLUMNS));
  const rows = await db.$queryRaw<Record<string, unknown>[]>`
    SELECT * FROM (
      SELECT v.*, ROW_NUMBER() OVER (PARTITION BY v."modelId" ORDER BY ${orderSql}) AS "rowNumber"
      FROM "ModelVersion" v
      WHERE v."deletedAt" IS NULL AND v."modelId" IN (${Prisma.join([...modelIds])})
    ) ranked
    WHERE ranked."rowNumber" <= ${take}
    ORDER BY ranked."modelId", ${orderSql}`;
  return rows.map(toVersionRow);
}

/** A raw row as Prisma's own queries return it (dates as Date, numbers as number). */
export function toVersionRow(raw: Record<string, unknown>): VersionRow {
  return {
    id: Number(raw.id),
    modelId: Number(raw.modelId),
    version: Number(raw.version),
    stage: String(raw.stage) as VersionRow['stage'],
    status: String(raw.status) as VersionRow['status'],
    statusMessage: rawText(raw.statusMessage),
    source: String(raw.source),
    runId: rawText(raw.runId),
    runLink: rawText(raw.runLink),
    description: rawText(raw.description),
    createdBy: String(raw.createdBy),
    createdAt: rawDate(raw.createdAt)!,
    updatedAt: rawDate(raw.updatedAt)!,
    deletedAt: rawDate(raw.deletedAt),
  };
}

/**
 * One page of versions for each of several models with the same filter, order and page size,
 * in ONE statement. The first page of an unfiltered list (what a dashboard asks) takes only
 * `first + 1` rows per model (ROW_NUMBER); otherwise every parent's rows after its own cursor,
 * ordered by model then the sort keys, are sliced per model in memory. A cursor that is not the
 * model's own fails that model only.
 */
export async function pageVersionsOfModels(
  db: Tx,
  parents: readonly { modelId: number; after?: string | null }[],
  where: Record<string, unknown>,
  keys: SortKey[],
  first: number,
  unfiltered = false,
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
  const firstPages = unfiltered && parents.every((p) => p.after == null);
  const rows = !valid.length
    ? []
    : firstPages
      ? await firstVersionsOfModels(
          db,
          parents.map((p) => p.modelId),
          keys,
          first + 1,
        )
      : await db.modelVersion.findMany({
          where: { AND: [where, { OR: valid.map((p) => p.args.where) }] },
          orderBy: [{ modelId: 'asc' }, ...orderBy(keys)],
        } as Parameters<Tx['modelVersion']['findMany']>[0]);
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
export async function countVersionsOfModels(
  db: Tx,
  modelIds: readonly number[],
  where: Record<string, unknown>,
): Promise<Map<number, number>> {
  const groups = (await db.modelVersion.groupBy({
    by: ['modelId'],
    where: { AND: [where, { modelId: { in: [...modelIds] } }] },
    _count: { _all: true },
  } as never)) as unknown as { modelId: number; _count: { _all: number } }[];
  return new Map(groups.map((g) => [g.modelId, g._count._all]));
}
