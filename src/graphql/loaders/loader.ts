import DataLoader from 'dataloader';

/**
 * Per-request loaders batch every key asked for in one tick into one query. With batching off
 * (DATALOADERS=false, for the benchmark's N+1 baseline only) each key runs its own query.
 */
export interface LoaderOptions {
  batch: boolean;
}

/** A loader of many rows per key (children of a parent), grouped by `keyOf`. */
export function groupLoader<K, R>(
  options: LoaderOptions,
  fetch: (keys: readonly K[]) => Promise<R[]>,
  keyOf: (row: R) => K,
): DataLoader<K, R[]> {
  return new DataLoader<K, R[]>(
    async (keys) => {
      const rows = await fetch(keys);
      const byKey = new Map<K, R[]>(keys.map((k) => [k, []]));
      for (const row of rows) byKey.get(keyOf(row))?.push(row);
      return keys.map((k) => byKey.get(k) ?? []);
    },
    { batch: options.batch, cache: options.batch },
  );
}

/** A loader of at most one row per key, or null. */
export function rowLoader<K, R>(
  options: LoaderOptions,
  fetch: (keys: readonly K[]) => Promise<R[]>,
  keyOf: (row: R) => K,
): DataLoader<K, R | null> {
  return new DataLoader<K, R | null>(
    async (keys) => {
      const rows = await fetch(keys);
      const byKey = new Map<K, R>(rows.map((row) => [keyOf(row), row]));
      return keys.map((k) => byKey.get(k) ?? null);
    },
    { batch: options.batch, cache: options.batch },
  );
}

/**
 * The positions of keys that share everything but their parent (filter, order, page size), by
 * that shape: each group is one query for all its parents.
 */
export function indexesByShape<K>(keys: readonly K[], shapeOf: (key: K) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const shape = shapeOf(key);
    const group = groups.get(shape);
    if (group) group.push(i);
    else groups.set(shape, [i]);
  });
  return groups;
}
