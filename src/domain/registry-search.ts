import { badInput } from './errors';
import { textProblem, validateStorableText } from './text';
import type { Direction, SortKey } from './paging';

export interface OrderInput<F extends string> {
  field: F;
  direction: 'ASC' | 'DESC';
}

/**
 * Sort keys from `orderBy`: each field at most once; `fields` maps the API's field names to
 * row fields. An empty or missing list gives the default order.
 */
export function sortKeys<F extends string>(
  orderBy: readonly OrderInput<F>[] | null | undefined,
  fields: Record<F, string>,
  defaults: SortKey[],
): SortKey[] {
  if (!orderBy || orderBy.length === 0) return defaults;
  const seen = new Set<string>();
  return orderBy.map((o) => {
    if (seen.has(o.field)) throw badInput(`orderBy lists ${o.field} more than once`, { field: 'orderBy' });
    seen.add(o.field);
    return { field: fields[o.field], direction: o.direction.toLowerCase() as Direction };
  });
}

export const DEFAULT_MODEL_ORDER: SortKey[] = [{ field: 'name', direction: 'asc' }];
export const DEFAULT_VERSION_ORDER: SortKey[] = [{ field: 'version', direction: 'desc' }];

/** Search strings: any text without NUL (which PostgreSQL cannot compare), at most 5000 characters. */
export function validateSearchText(value: string | null | undefined, field: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  validateStorableText(value, field);
  if (value.length > 5000) throw badInput(`${field} must be at most 5000 characters, got ${value.length}`, { field, max: 5000 });
  return value;
}

export interface TagFilterInput {
  key: string;
  value?: string | null;
}

export function validateTagFilters(tags: readonly TagFilterInput[] | null | undefined, field = 'filter.tags'): TagFilterInput[] {
  return (tags ?? []).map((t) => ({
    key: validateSearchText(t.key, `${field}.key`)!,
    value: validateSearchText(t.value, `${field}.value`) ?? null,
  }));
}

/** Whether a name could be stored at all: a lookup of one that could not finds nothing. */
export function isLookupable(value: string): boolean {
  return textProblem(value) === null;
}

export interface ModelFilterInput {
  name?: string | null;
  nameContains?: string | null;
  namePrefix?: string | null;
  tags?: TagFilterInput[] | null;
  hasVersionInStage?: string | null;
}

export interface VersionFilterInput {
  modelName?: string | null;
  stages?: string[] | null;
  runId?: string | null;
  status?: string | null;
  tags?: TagFilterInput[] | null;
  minVersion?: number | null;
  maxVersion?: number | null;
}

export interface ListArgs<F, O extends string> {
  filter?: F | null;
  orderBy?: OrderInput<O>[] | null;
  first?: number | null;
  after?: string | null;
}

export type ModelOrderField = 'NAME' | 'CREATED_AT' | 'UPDATED_AT';
export type VersionOrderField = 'VERSION' | 'CREATED_AT' | 'UPDATED_AT';

export const MODEL_ORDER_FIELDS: Record<ModelOrderField, string> = { NAME: 'name', CREATED_AT: 'createdAt', UPDATED_AT: 'updatedAt' };
export const VERSION_ORDER_FIELDS: Record<VersionOrderField, string> = {
  VERSION: 'version',
  CREATED_AT: 'createdAt',
  UPDATED_AT: 'updatedAt',
};

/** The checked search of models, for the top-level list. */
export function modelSearch(filter: ModelFilterInput | null | undefined): ModelSearch {
  const f = filter ?? {};
  return {
    name: validateSearchText(f.name, 'filter.name'),
    nameContains: validateSearchText(f.nameContains, 'filter.nameContains'),
    namePrefix: validateSearchText(f.namePrefix, 'filter.namePrefix'),
    tags: validateTagFilters(f.tags),
    hasVersionInStage: f.hasVersionInStage ?? undefined,
  };
}

/** The checked search of versions, for the top-level list and each model's own. */
export function versionSearch(filter: VersionFilterInput | null | undefined): VersionSearch {
  const f = filter ?? {};
  return {
    modelName: validateSearchText(f.modelName, 'filter.modelName'),
    stages: f.stages ?? [],
    runId: validateSearchText(f.runId, 'filter.runId'),
    status: f.status ?? undefined,
    tags: validateTagFilters(f.tags),
    minVersion: f.minVersion ?? undefined,
    maxVersion: f.maxVersion ?? undefined,
  };
}

/** A checked model search: every given field must hold. */
export interface ModelSearch {
  name?: string;
  nameContains?: string;
  namePrefix?: string;
  tags: TagFilterInput[];
  hasVersionInStage?: string;
}

/** A checked version search: every given field must hold. */
export interface VersionSearch {
  modelName?: string;
  stages: string[];
  runId?: string;
  status?: string;
  tags: TagFilterInput[];
  minVersion?: number;
  maxVersion?: number;
}

/** Whether a version search has no condition at all (only live versions). */
export function isUnfiltered(s: VersionSearch): boolean {
  return (
    s.modelName === undefined &&
    s.stages.length === 0 &&
    s.runId === undefined &&
    s.status === undefined &&
    s.tags.length === 0 &&
    s.minVersion === undefined &&
    s.maxVersion === undefined
  );
}
