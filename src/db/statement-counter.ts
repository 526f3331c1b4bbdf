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

/** Calls that run exactly one statement each: reads with no relation to load. */
const ONE_STATEMENT = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
]);
const RAW = new Set(['$queryRaw', '$queryRawUnsafe']);

/** Raw reads as Prisma's client takes them: a tagged template or an Sql object, or a text and its values. */
export interface RawReads {
  $queryRaw(query: TemplateStringsArray | { sql: string; text: string; values: unknown[] }, ...values: unknown[]): Promise<unknown[]>;
  $queryRawUnsafe(query: string, ...values: unknown[]): Promise<unknown[]>;
}

function notCountable(name: string): never {
  throw new Error(`${name} may run several statements: a request's counting client only reads (see StatementCounter.scope)`);
}

/**
 * Counts SQL statements, in total and per request, in one of two ways.
 *
 * Explicitly (the read path): a request reads through `client(counted)`, which adds one to its
 * count per call, each call being a read of one statement (a call that may run more throws). No
 * async context is involved, so Node's promise hooks stay off.
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
  async scope<T>(counted: Counted, fn: () => Promise<T>): Promise<T> {
    counted.scoped = true;
    this.open += 1;
    try {
      return await this.storage.run(counted, fn);
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
    const delegates = new Map<string, object>();
    const delegate = (name: string, model: Record<string, unknown>) =>
      new Proxy(model, {
        get(target, operation) {
          const value = Reflect.get(target, operation) as unknown;
          if (typeof operation !== 'string' || typeof value !== 'function') return value;
          if (!ONE_STATEMENT.has(operation)) return () => notCountable(`${name}.${operation}`);
          return (...args: unknown[]) => {
            count();
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    return new Proxy(prisma, {
      get(target, property) {
        const value = Reflect.get(target, property) as unknown;
        if (typeof property !== 'string') return value;
        if (property.startsWith('$')) {
          if (!RAW.has(property)) return typeof value === 'function' ? () => notCountable(property) : value;
          const read = raw ? raw[property as keyof RawReads] : (value as (...a: unknown[]) => unknown).bind(target);
          return (...args: unknown[]) => {
            count();
            return (read as (...a: unknown[]) => unknown)(...args);
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
