/**
 * The environment, parsed and validated once at start. A bad value stops the process with a
 * message that names the variable. Every key is documented in .env.example.
 */
import { databaseTarget, DatabaseUrlError, type DatabaseTarget } from './db/target';

export interface Config {
  /** DATABASE_URL and DB_POOL_SIZE, parsed once. */
  database: DatabaseTarget;
  port: number;
  host: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  allowAnonymousRead: boolean;
  bootstrapAdminToken: string | undefined;
  graphiql: boolean;
  introspection: boolean;
  maxQueryDepth: number;
  maxQueryCost: number;
  /** Off only to measure the N+1 baseline in the benchmark. */
  dataloaders: boolean;
  shutdownTimeoutMs: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, values: readonly T[]): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!values.includes(raw as T)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

function database(env: Env): DatabaseTarget {
  const url = read(env, 'DATABASE_URL') ?? 'file:./data/modelgate.db';
  const poolSize = int(env, 'DB_POOL_SIZE', 10, 1, 500);
  try {
    return Object.freeze(databaseTarget(url, poolSize));
  } catch (error) {
    if (error instanceof DatabaseUrlError) throw new ConfigError(error.message);
    throw error;
  }
}

function bootstrapToken(env: Env): string | undefined {
  const token = read(env, 'BOOTSTRAP_ADMIN_TOKEN');
  if (token !== undefined && (token.length < 32 || /\s/.test(token))) {
    throw new ConfigError('BOOTSTRAP_ADMIN_TOKEN must be at least 32 characters without white space');
  }
  return token;
}

export function loadConfig(env: Env = process.env): Readonly<Config> {
  return Object.freeze({
    database: database(env),
    port: int(env, 'PORT', 4000, 0, 65535),
    host: read(env, 'HOST') ?? '0.0.0.0',
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    allowAnonymousRead: bool(env, 'ALLOW_ANONYMOUS_READ', false),
    bootstrapAdminToken: bootstrapToken(env),
    graphiql: bool(env, 'GRAPHIQL', true),
    introspection: bool(env, 'INTROSPECTION', true),
    // Depth 12: the deepest useful path of the contract (models > versions > transitionRequests >
    // decisions > field) is 11; only cycles such as version.model.versions... go deeper.
    maxQueryDepth: int(env, 'MAX_QUERY_DEPTH', 12, 2, 100),
    // Cost 10,000 (limits.ts: a paged list costs `first` × its children): the dashboard of 100
    // models with 5 versions each costs 4,601, so it fits twice over; 100 models × 100 versions
    // each (30,000+) must page instead.
    maxQueryCost: int(env, 'MAX_QUERY_COST', 10_000, 10, 10_000_000),
    dataloaders: bool(env, 'DATALOADERS', true),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
  });
}
