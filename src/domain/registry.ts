import { badInput } from './errors';
import { charLength } from './names';

export const MAX_KEY_LENGTH = 250;
export const MAX_TAG_VALUE_LENGTH = 5000;
export const MAX_ALIAS_LENGTH = 255;
export const MAX_SOURCE_LENGTH = 1000;

// Letters and digits of any script (as MLflow's \w), plus _ - . / : and space.
const KEY = /^[\p{L}\p{N}_\-./: ]+$/u;
const ALIAS = /^[\p{L}\p{N}_-]+$/u;
const RESERVED_VERSION_ALIAS = /^[vV]\d+$/;

/** Tag and metric keys: 1 to 250 characters of letters, digits, `_ - . / :` and space. */
export function validateKey(key: string, field: string): string {
  const length = charLength(key);
  if (length < 1 || length > MAX_KEY_LENGTH)
    throw badInput(`${field} must be 1 to ${MAX_KEY_LENGTH} characters, got ${length}`, { field, max: MAX_KEY_LENGTH });
  if (!KEY.test(key)) throw badInput(`${field} "${key}" may only contain letters, digits, _ - . / : and space`, { field });
  return key;
}

/** Tag values: at most 5000 characters, no NUL (PostgreSQL cannot store it). */
export function validateTagValue(value: string, field: string): string {
  const length = charLength(value);
  if (length > MAX_TAG_VALUE_LENGTH)
    throw badInput(`${field} must be at most ${MAX_TAG_VALUE_LENGTH} characters, got ${length}`, { field, max: MAX_TAG_VALUE_LENGTH });
  if (value.includes('\u0000')) throw badInput(`${field} must not contain NUL`, { field });
  return value;
}

export interface KeyValue<V> {
  key: string;
  value: V;
}

function noDuplicateKeys(items: readonly { key: string }[], field: string): void {
  const seen = new Set<string>();
  for (const { key } of items) {
    if (seen.has(key)) throw badInput(`${field} lists the key "${key}" more than once`, { field, key });
    seen.add(key);
  }
}

/** A list of tags in one input: valid keys and values, each key once. */
export function validateTags(tags: readonly KeyValue<string>[] | null | undefined, field = 'tags'): KeyValue<string>[] {
  const list = tags ?? [];
  list.forEach((t) => {
    validateKey(t.key, `${field}.key`);
    validateTagValue(t.value, `${field}.value`);
  });
  noDuplicateKeys(list, field);
  return list.map((t) => ({ key: t.key, value: t.value }));
}

/** Metric values must be finite numbers. */
export function validateMetricValue(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw badInput(`${field} must be a finite number, got ${String(value)}`, { field });
  return value;
}

/** A list of metrics in one input: valid keys, finite values, each key once. */
export function validateMetrics(metrics: readonly KeyValue<number>[] | null | undefined, field = 'metrics'): KeyValue<number>[] {
  const list = metrics ?? [];
  list.forEach((m) => {
    validateKey(m.key, `${field}.key`);
    validateMetricValue(m.value, `${field}.value`);
  });
  noDuplicateKeys(list, field);
  return list.map((m) => ({ key: m.key, value: m.value }));
}

/** Aliases: 1 to 255 letters, digits, `_` and `-`; `latest` (any case) and v/V+digits are reserved. */
export function validateAlias(alias: string, field = 'alias'): string {
  const length = charLength(alias);
  if (length < 1 || length > MAX_ALIAS_LENGTH)
    throw badInput(`${field} must be 1 to ${MAX_ALIAS_LENGTH} characters, got ${length}`, { field, max: MAX_ALIAS_LENGTH });
  if (!ALIAS.test(alias)) throw badInput(`${field} "${alias}" may only contain letters, digits, _ and -`, { field });
  if (alias.toLowerCase() === 'latest' || RESERVED_VERSION_ALIAS.test(alias)) {
    throw badInput(`${field} "${alias}" is reserved: "latest" and v<number> cannot be aliases`, { field });
  }
  return alias;
}

/** Percent-decodes repeatedly (as MLflow does), so %2e%2e cannot hide a `..` segment. */
function decodedForms(value: string): string[] {
  const forms = [value];
  let current = value;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      break;
    }
    if (next === current) break;
    forms.push(next);
    current = next;
  }
  return forms;
}

/** A version's source: 1 to 1000 characters, no NUL, no `..` path segment (also percent-encoded). */
export function validateSource(source: string, field = 'source'): string {
  const length = charLength(source);
  if (length < 1 || length > MAX_SOURCE_LENGTH)
    throw badInput(`${field} must be 1 to ${MAX_SOURCE_LENGTH} characters, got ${length}`, { field, max: MAX_SOURCE_LENGTH });
  if (source.trim() === '') throw badInput(`${field} must not be blank`, { field });
  if (source.includes('\u0000')) throw badInput(`${field} must not contain NUL`, { field });
  const hasDotDot = decodedForms(source).some((form) => form.split(/[/\\?#]/).some((segment) => segment === '..'));
  if (hasDotDot) throw badInput(`${field} must not contain a ".." path segment`, { field });
  return source;
}
