import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { providerOf } from './client';

const HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Refuses, in one line, a DATABASE_URL whose file exists but is not a SQLite database: the
 * schema engine otherwise panics with a Rust backtrace that says nothing about the variable.
 */
export function assertSqliteFile(url: string): void {
  if (providerOf(url) !== 'sqlite') return;
  const path = url.replace(/^file:/, '');
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new Error(`DATABASE_URL points at ${path}, which is a directory, not a SQLite database file`);
    size = stat.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // a new database is created there
    throw error;
  }
  if (size === 0) return; // SQLite takes an empty file as a new database
  const head = Buffer.alloc(HEADER.length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, HEADER.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(HEADER)) {
    throw new Error(`DATABASE_URL points at ${path}, which is not a SQLite database; point it at a new file or a modelgate database`);
  }
}
