import { badInput } from './errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `first` defaults to 20 and must be 0 to 100. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be from 0 to ${MAX_PAGE_SIZE}, got ${first}`, { field: 'first', max: MAX_PAGE_SIZE });
  }
  return first;
}

export type Direction = 'asc' | 'desc';

/** One sort key; the row id is always appended as the last key, so every order is total. */
export interface SortKey {
  field: string;
  direction: Direction;
}

export interface PageRequest {
  first: number;
  after?: string | null;
}

export interface Page<T> {
  rows: T[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  cursor(row: T): string;
}

/** A page of a list and, only when asked for, the number of items matching its filter. */
export interface Listing<T> {
  page: Page<T>;
  totalCount: () => Promise<number>;
}
