import { badInput } from './errors';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Length in characters (code points), as a user counts them; not UTF-16 units. Every text limit counts this way. */
export function charLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** Registered model names: 1 to 256 characters, no control characters, no outer white space. */
export function validateModelName(name: string, field = 'name'): string {
  const length = charLength(name);
  if (length < 1 || length > 256) throw badInput(`${field} must be 1 to 256 characters, got ${length}`, { field, max: 256 });
  if (CONTROL.test(name)) throw badInput(`${field} must not contain control characters`, { field });
  if (name.trim() !== name || name.trim() === '') throw badInput(`${field} must not be blank or start or end with white space`, { field });
  return name;
}

/** Optional free text (descriptions, comments): at most `max` characters, no NUL. */
export function validateText(value: string | null | undefined, field: string, max = 5000): string | null {
  if (value === null || value === undefined) return null;
  const length = charLength(value);
  if (length > max) throw badInput(`${field} must be at most ${max} characters, got ${length}`, { field, max });
  if (value.includes('\u0000')) throw badInput(`${field} must not contain NUL`, { field });
  return value;
}
