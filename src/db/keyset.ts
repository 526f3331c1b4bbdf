import { badInput } from '../domain/errors';
import { textProblem } from '../domain/text';
import type { Direction, Page, PageRequest, SortKey } from '../domain/paging';

/**
 * Keyset (seek) pagination: a cursor holds the sort values of the last row read, so rows
 * inserted or deleted elsewhere never shift the next page. The cursor also names what it
 * pages and in which order: a cursor from another list or order is refused.
 */
type Value = string | number;
type Row = { id: number } & Record<string, unknown>;

function toValue(v: unknown): Value {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string' || typeof v === 'number') return v;
  throw new Error(`unsupported sort value ${String(v)}`);
}

function signature(kind: string, keys: SortKey[]): string {
  return [kind, ...keys.map((k) => `${k.field}:${k.direction}`)].join('|');
}

export function encodeCursor(kind: string, keys: SortKey[], row: Row): string {
  const values = [...keys.map((k) => toValue(row[k.field])), row.id];
  return Buffer.from(JSON.stringify({ s: signature(kind, keys), v: values })).toString('base64url');
}

/** Ids and versions are PostgreSQL `integer`s. */
const MAX_INT = 2_147_483_647;
/** Dates are written by toISOString; years 0000-9999 fit both databases (PostgreSQL refused year -271821). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MAX_STRING = 5_000;

function invalidCursor(): Error {
  return badInput('after is not a valid cursor', { field: 'after' });
}

/** One cursor value checked against its field's type and range: the database never sees one that does not fit. */
function decodeValue(field: string, v: unknown, q: KeysetQuery): unknown {
  if (q.dateFields?.has(field)) {
    if (typeof v !== 'string' || !ISO_DATE.test(v)) throw invalidCursor();
    const date = new Date(v);
    if (Number.isNaN(date.getTime()) || date.toISOString() !== v) throw invalidCursor();
    return date;
  }
  if (field === 'id' || q.intFields?.has(field)) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_INT) throw invalidCursor();
    return v;
  }
  if (typeof v !== 'string' || v.length > MAX_STRING || textProblem(v) !== null) throw invalidCursor();
  return v;
}

function decodeCursor(q: KeysetQuery, cursor: string): unknown[] {
  let parsed: { s?: unknown; v?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const values = parsed?.v;
  if (parsed?.s !== signature(q.kind, q.keys) || !Array.isArray(values) || values.length !== q.keys.length + 1) {
    throw badInput('after is a cursor of another list or order', { field: 'after' });
  }
  const fields = [...q.keys.map((k) => k.field), 'id'];
  return values.map((v, i) => decodeValue(fields[i], v, q));
}

/** Sort keys with the id tie-breaker, in Prisma's orderBy shape. */
export function orderBy(keys: SortKey[]): Record<string, Direction>[] {
  const last = keys.length ? keys[keys.length - 1].direction : 'asc';
  return [...keys.map((k) => ({ [k.field]: k.direction })), { id: last }];
}

/** Rows strictly after the cursor: (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ... */
function afterWhere(keys: SortKey[], values: unknown[]): Record<string, unknown> {
  const all: SortKey[] = [...keys, { field: 'id', direction: keys.length ? keys[keys.length - 1].direction : 'asc' }];
  return {
    OR: all.map((key, i) => {
      const clause: Record<string, unknown> = {};
      for (let j = 0; j < i; j++) clause[all[j].field] = values[j];
      clause[key.field] = { [key.direction === 'asc' ? 'gt' : 'lt']: values[i] };
      return clause;
    }),
  };
}

/** The sort keys with the id tie-breaker as SQL columns; their names are written into SQL, so each must be one of `columns`. */
function sqlKeys(keys: SortKey[], columns: ReadonlySet<string>): { column: string; ascending: boolean }[] {
  return orderBy(keys).map((key) => {
    const [field, direction] = Object.entries(key)[0];
    if (!columns.has(field)) throw new Error(`not a sort column: ${field}`);
    return { column: `"${field}"`, ascending: direction === 'asc' };
  });
}

/** orderBy's keys as an SQL `ORDER BY` list, for hand-written reads. */
export function orderBySql(keys: SortKey[], columns: ReadonlySet<string>): string {
  return sqlKeys(keys, columns)
    .map(({ column, ascending }) => `${column} ${ascending ? 'ASC' : 'DESC'}`)
    .join(', ');
}

/** afterWhere in SQL, for hand-written reads: `param` binds each value where it appears (SQLite binds `?` by position). */
export function afterSql(q: KeysetQuery, after: string, columns: ReadonlySet<string>, param: (value: unknown) => string): string {
  const values = decodeCursor(q, after);
  const keys = sqlKeys(q.keys, columns);
  const clauses = keys.map(({ column, ascending }, i) =>
    [...keys.slice(0, i).map((k, j) => `${k.column} = ${param(values[j])}`), `${column} ${ascending ? '>' : '<'} ${param(values[i])}`].join(
      ' AND ',
    ),
  );
  return `(${clauses.join(') OR (')})`;
}

export interface KeysetQuery {
  /** Names what is paged, e.g. `RegisteredModel` or `ModelVersion@model:12`. */
  kind: string;
  keys: SortKey[];
  /** Fields holding dates, decoded from cursors as Date. */
  dateFields?: ReadonlySet<string>;
  /** Fields holding integers besides `id` (always one); every other field holds text. */
  intFields?: ReadonlySet<string>;
}

/** The Prisma `where`, `orderBy` and `take` of one page (one row more, to see if another follows). */
export function pageArgs(q: KeysetQuery, page: PageRequest, where: Record<string, unknown>) {
  const after = page.after != null ? decodeCursor(q, page.after) : null;
  return {
    where: after ? { AND: [where, afterWhere(q.keys, after)] } : where,
    orderBy: orderBy(q.keys),
    take: page.first + 1,
  };
}

export function toPage<T extends Row>(q: KeysetQuery, page: PageRequest, fetched: T[]): Page<T> {
  return {
    rows: fetched.slice(0, page.first),
    hasNextPage: fetched.length > page.first,
    hasPreviousPage: page.after != null,
    cursor: (row) => encodeCursor(q.kind, q.keys, row),
  };
}

/** Validates a cursor without fetching: used where paging happens in memory. */
export function cursorValues(q: KeysetQuery, after: string): unknown[] {
  return decodeCursor(q, after);
}
