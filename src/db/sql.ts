import type { Provider } from './client';
import type { VersionRow } from './repositories/version.repository';

/**
 * Hand-written read SQL for both databases: the hot reads build their child lists as JSON in
 * the database (json_agg on PostgreSQL, json_group_array on SQLite) and come back as a few
 * columns per parent, instead of one Prisma-materialized object per child row.
 */
export interface Dialect {
  provider: Provider;
  /** A JSON array of the given SQL expressions. */
  array(...items: string[]): string;
  /** A JSON array aggregating `item` over the rows, in `order`. */
  agg(item: string, order: string): string;
  /** A JSON value computed by a subquery, used inside another JSON constructor. */
  nested(subquery: string): string;
  /** A JSON value read from a subquery's column, used inside another JSON constructor. */
  json(column: string): string;
  /** A float column as a JSON number, without losing precision. */
  float(column: string): string;
  /** `<column> <this>`: membership in the integer list bound as the statement's first parameter. */
  inIds: string;
  /** The parameter value for `inIds`. */
  ids(ids: readonly number[]): unknown;
  /** A placeholder for the n-th (1-based) parameter. */
  param(n: number): string;
}

const postgres: Dialect = {
  provider: 'postgres',
  array: (...items) => `json_build_array(${items.join(', ')})`,
  agg: (item, order) => `json_agg(${item} ORDER BY ${order})`,
  nested: (subquery) => `(${subquery})`,
  json: (column) => column,
  float: (column) => column,
  inIds: '= ANY($1::int[])',
  ids: (ids) => ids,
  param: (n) => `$${n}`,
};

const sqlite: Dialect = {
  provider: 'sqlite',
  array: (...items) => `json_array(${items.join(', ')})`,
  agg: (item, order) => `json_group_array(${item} ORDER BY ${order})`,
  // A subquery's JSON comes back as text: json() makes it JSON again inside json_array.
  nested: (subquery) => `json((${subquery}))`,
  json: (column) => `json(${column})`,
  // SQLite renders REAL in JSON with 15 significant digits; 17 round-trip every double.
  float: (column) => `json(printf('%!.17g', ${column}))`,
  inIds: 'IN (SELECT value FROM json_each(?))',
  ids: (ids) => JSON.stringify(ids),
  param: () => '?',
};

export function dialect(provider: Provider): Dialect {
  return provider === 'postgres' ? postgres : sqlite;
}

/** A JSON column: PostgreSQL's driver parses json, SQLite's returns text; NULL (no rows) is []. */
export function jsonList(value: unknown): unknown[] {
  if (value == null) return [];
  return (typeof value === 'string' ? JSON.parse(value) : value) as unknown[];
}

const ZONED = /(Z|[+-]\d\d(:?\d\d)?)$/;

/** A nullable date column of a raw row: a Date from PostgreSQL, text (or epoch ms) from SQLite. */
export function rawDate(value: unknown): Date | null {
  return value == null ? null : value instanceof Date ? value : new Date(typeof value === 'number' ? value : String(value));
}

/** A nullable text column of a raw row. */
export function rawText(value: unknown): string | null {
  return value == null ? null : String(value);
}

/** A timestamp inside JSON: SQLite keeps the zone, PostgreSQL's `timestamp(3)` (UTC) does not. */
export function jsonDate(value: unknown): Date {
  if (typeof value === 'number') return new Date(value);
  const text = String(value);
  return new Date(ZONED.test(text) ? text : text + 'Z');
}

/** The columns of a live version row, in the order versionFromJson reads them. */
export const VERSION_FIELDS = [
  'id',
  'modelId',
  'version',
  'stage',
  'status',
  'statusMessage',
  'source',
  'runId',
  'runLink',
  'description',
  'createdBy',
  'createdAt',
  'updatedAt',
] as const;

/** VERSION_FIELDS, qualified by a table alias. */
export function versionColumns(alias: string): string[] {
  return VERSION_FIELDS.map((c) => `${alias}."${c}"`);
}

/** A live version from the JSON array of versionColumns (plus anything after them). */
export function versionFromJson(a: unknown[]): VersionRow {
  return {
    id: a[0] as number,
    modelId: a[1] as number,
    version: a[2] as number,
    stage: a[3] as VersionRow['stage'],
    status: a[4] as VersionRow['status'],
    statusMessage: a[5] as string | null,
    source: a[6] as string,
    runId: a[7] as string | null,
    runLink: a[8] as string | null,
    description: a[9] as string | null,
    createdBy: a[10] as string,
    createdAt: jsonDate(a[11]),
    updatedAt: jsonDate(a[12]),
    deletedAt: null,
  };
}

/** Where what follows the version columns starts in a versionColumns JSON array. */
export const VERSION_COLUMN_COUNT = VERSION_FIELDS.length;
