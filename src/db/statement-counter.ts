import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db, Tx } from './client';

/** One SQL statement as Prisma reports it, for an observer (tracing makes SQL spans of it). */
export interface StatementEvent {
  query: string;
  /** When it started and how long it ran, as Prisma reports it. */
  timestamp: Date;
  durationMs: number;
}

/** A request's statement count; `scoped` once it counts through its async context instead. */
export interface Counted {
  count: number;
  scoped?: boolean;
}

/** The reads a counting client lets through. */
const READS = new Set(['findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findMany', 'count', 'aggregate', 'groupBy']);
const RAW = new Set(['$queryRaw', '$queryRawUnsafe']);

/** Raw reads as Prisma's client takes them: a tagged template or an Sql object, or a text and its values. */
export interface RawReads {
  $queryRaw(query: TemplateStringsArray | { sql: string; text: string; values: unknown[] }, ...values: unknown[]): Promise<unknown[]>;
  $queryRawUnsafe(query: string, ...values: unknown[]): Promise<unknown[]>;
}

/** A read that loads relations (`include`, a nested `select`): Prisma may run a statement per relation. */
function loadsRelations(args: unknown): boolean {
  const { include, select } = (args ?? {}) as { include?: unknown; select?: Record<string, unknown> };
  return include != null || (select != null && Object.values(select).some((v) => typeof v === 'object' && v !== null));
}

function notCountable(name: string): never {
  throw new Error(`${name} is not a read: a request's counting client only reads (writes count in StatementCounter.scope)`);
}

/**
 * Counts SQL statements, in total and per request, in one of two ways.
 *
 * Explicitly (the read path): a request reads through `client(counted)`, which adds one to its
 * count per read of one statement (raw queries, reads with no relation to load) with no async
 * context involved, so Node's promise hooks stay off. A read that loads relations runs in a
 * scope of its own, the length of that call; anything but a read throws.
 *
 * By async context (`scope`, for everything else: writes, and reads that are not written against
 * a counting client): every statement Prisma reports in the scope's async context counts. Node
 * 20/22 implement AsyncLocalStorage with promise hooks that, once on, tax every promise of the
 * process (10-13% of a dashboard's CPU), so the storage is disabled again when the last scope
 * ends.
 */
export class StatementCounter {
  total = 0;
  private readonly storage = new AsyncLocalStorage<Counted>();
  /** Scopes open now: the storage is read only while there are some. */
  private open = 0;
  /** Called for each statement, in the async context of its scope if any (tracing). */
  observer: ((event: StatementEvent) => void) | undefined;

  record(event?: StatementEvent): void {
    this.total += 1;
    if (this.open > 0) {
      const current = this.storage.getStore();
      if (current) current.count += 1;
    }
    if (event && this.observer) this.observer(event);
  }

  /** Runs fn with every statement of its async context counted in `counted`, until it settles. */
  scope<T>(counted: Counted, fn: () => Promise<T>): Promise<T> {
    counted.scoped = true;
    return this.within(counted, fn);
  }

  private async within<T>(counted: Counted, fn: () => PromiseLike<T>): Promise<T> {
    this.open += 1;
    try {
      // then() inside run(): Prisma's promises are lazy and start (in this context) when awaited.
      return await this.storage.run(counted, () => fn().then((value) => value));
    } finally {
      this.open -= 1;
      // The last scope closed: AsyncLocalStorage's promise hooks go off until the next one.
      if (this.open === 0) this.storage.disable();
    }
  }

  /**
   * The client a request reads through: each call counts one statement in `counted`, unless the
   * request is scoped (then its async context counts it). `raw`, when given, runs the raw reads
   * instead of Prisma (on the driver: direct.ts).
   */
  client(prisma: Db, counted: Counted, raw?: RawReads): Tx {
    const count = () => {
      if (!counted.scoped) counted.count += 1;
    };
    const read = (call: () => PromiseLike<unknown>, args: unknown) => {
      if (counted.scoped) return call();
      if (!loadsRelations(args)) return (count(), call());
      return this.within(counted, call);
    };
    const delegates = new Map<string, object>();
    const delegate = (name: string, model: Record<string, unknown>) =>
      new Proxy(model, {
        get(target, operation) {
          const value = Reflect.get(target, operation) as unknown;
          if (typeof operation !== 'string' || typeof value !== 'function') return value;
          if (!READS.has(operation)) return () => notCountable(`${name}.${operation}`);
          return (...args: unknown[]) => read(() => (value as (...a: unknown[]) => PromiseLike<unknown>).apply(target, args), args[0]);
        },
      });
    return new Proxy(prisma, {
      get(target, property) {
        const value = Reflect.get(target, property) as unknown;
        if (typeof property !== 'string') return value;
        if (property.startsWith('$')) {
          if (!RAW.has(property)) return typeof value === 'function' ? () => notCountable(property) : value;
          const runRaw = raw ? raw[property as keyof RawReads] : (value as (...a: unknown[]) => unknown).bind(target);
          return (...args: unknown[]) => {
            count();
            return (runRaw as (...a: unknown[]) => unknown)(...args);
          };
        }
        if (value === null || typeof value !== 'object') return value;
        let found = delegates.get(property);
        if (!found) delegates.set(property, (found = delegate(property, value as Record<string, unknown>)));
        return found;
      },
    }) as unknown as Tx;
  }
}
