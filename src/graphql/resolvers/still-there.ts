import { notFound } from '../../domain/errors';

/**
 * A non-null relation (a version's model, an alias's version) read after a concurrent delete
 * committed between two statements of one response: NOT_FOUND, not a masked non-null error.
 */
export function stillThere<T>(row: T | null): T {
  if (row === null) throw notFound('It was deleted while this response was being read');
  return row;
}
