import { badInput } from './errors';

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a string cannot be stored as given by both databases, or null. PostgreSQL refuses NUL
 * (22021); a lone UTF-16 surrogate is not Unicode: SQLite stored invalid UTF-8 (two different
 * names then read back identical) and PostgreSQL stored U+FFFD.
 */
export function textProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain NUL';
  if (LONE_SURROGATE.test(value)) return 'must not contain a lone UTF-16 surrogate (it is not valid Unicode)';
  return null;
}

/** The value, or BAD_USER_INPUT naming `field` when it cannot be stored as given. */
export function validateStorableText(value: string, field: string): string {
  const problem = textProblem(value);
  if (problem) throw badInput(`${field} ${problem}`, { field });
  return value;
}
