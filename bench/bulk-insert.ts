import { driverValue, type DirectSql } from '../src/db/direct';

/** A column's PostgreSQL type, for the arrays the rows are sent in (SQLite needs none). */
export type ColumnType = 'INTEGER' | 'TEXT' | 'DOUBLE PRECISION' | 'TIMESTAMP(3)' | `"${string}"`;

export interface Table {
  name: string;
  columns: Record<string, ColumnType>;
}

/** Rows per PostgreSQL statement (sent as one array per column) and per SQLite transaction. */
const CHUNK = 10_000;

/**
 * Inserts rows on the driver, without Prisma's client, whose per-row work made seeding a
 * million versions take half an hour. PostgreSQL: one `INSERT ... SELECT FROM unnest(...)` per
 * chunk, its values as one array per column. SQLite: one prepared INSERT per row, a chunk per
 * transaction. Returns the `returning` columns of the rows inserted.
 */
export async function insertRows<K extends string = never>(
  direct: DirectSql,
  table: Table,
  rows: readonly Record<string, unknown>[],
  returning: readonly K[] = [],
): Promise<Record<K, unknown>[]> {
  const columns = Object.keys(table.columns);
  const missing = rows.length ? columns.filter((c) => !(c in rows[0])) : [];
  if (missing.length) throw new Error(`rows for ${table.name} lack ${missing.join(', ')}`);
  const quoted = columns.map((c) => `"${c}"`).join(', ');
  const back = returning.length ? ` RETURNING ${returning.map((c) => `"${c}"`).join(', ')}` : '';
  const value = (v: unknown) => driverValue(direct.provider, v);
  const out: Record<K, unknown>[] = [];
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    await direct.transaction(async (sql) => {
      if (direct.provider === 'postgres') {
        const arrays = columns.map((c) => chunk.map((row) => value(row[c])));
        const types = columns.map((c, i) => `CAST($${i + 1} AS ${table.columns[c]}[])`).join(', ');
        const text = `INSERT INTO "${table.name}" (${quoted}) SELECT * FROM unnest(${types})${back}`;
        out.push(...(await sql.rows<Record<K, unknown>>({ text, params: arrays })));
        return;
      }
      const text = `INSERT INTO "${table.name}" (${quoted}) VALUES (${columns.map((_, i) => `?${i + 1}`).join(', ')})${back}`;
      for (const row of chunk) {
        const params = columns.map((c) => value(row[c]));
        if (back) out.push(...(await sql.rows<Record<K, unknown>>({ text, params })));
        else await sql.run({ text, params });
      }
    });
  }
  return out;
}
