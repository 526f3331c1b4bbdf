/**
 * The environment, parsed and validated once at start. A bad value stops the process with a
 * message that names the variable. Every key is documented in .env.example.
 */
export interface Config {
  databaseUrl: string;
  port: number;
  host: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  allowAnonymousRead: boolean;
  bootstrapAdminToken: string | undefined;
  graphiql: boolean;
  introspection: boolean;
  maxQueryDepth: number;
  maxQueryCost: number;
  dbPoolSize: number;
  /** Off only to measure the N+1 baseline in the benchmark. */
  dataloaders: boolean;
  shutdownTimeoutMs: number;
  /** Browser origins allowed to call /graphql cross-origin; ['*'] for any (only with anonymous reads). */
  corsOrigins: readonly string[];
  /** Requests per window per API key (per address without a token); 0: off. */
  rateLimitRequests: number;
  /** Failed authentications per window per address before it gets 429; 0: off. */
  rateLimitAuthFailures: number;
  rateLimitWindowSeconds: number;
  /** OTLP/HTTP base URL (traces go to <url>/v1/traces); unset: tracing off. */
  otlpEndpoint: string | undefined;
  otelServiceName: string;
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

function databaseUrl(env: Env): string {
  const url = read(env, 'DATABASE_URL') ?? 'file:./data/modelgate.db';
  if (!/^(file:.+|postgres(ql)?:\/\/.+)$/.test(url)) {
    throw new ConfigError('DATABASE_URL must be file:<path> (SQLite) or postgres[ql]://... (PostgreSQL)');
  }
  return url;
}

function bootstrapToken(env: Env): string | undefined {
  const token = read(env, 'BOOTSTRAP_ADMIN_TOKEN');
  if (token !== undefined && (token.length < 32 || /\s/.test(token))) {
    throw new ConfigError('BOOTSTRAP_ADMIN_TOKEN must be at least 32 characters without white space');
  }
  return token;
}

function corsOrigins(env: Env, allowAnonymousRead: boolean): readonly string[] {
  const raw = read(env, 'CORS_ORIGINS');
  if (raw === undefined) return Object.freeze([]);
  const origins = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (origins.includes('*')) {
    // Any site may then call the API from its visitors' browsers: only sensible for public data.
    if (origins.length > 1) throw new ConfigError('CORS_ORIGINS must be either "*" or a list of origins, not both');
    if (!allowAnonymousRead) throw new ConfigError('CORS_ORIGINS=* needs ALLOW_ANONYMOUS_READ=true; list the origins instead');
    return Object.freeze(origins);
  }
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin.replace(/\/$/, '')) {
      throw new ConfigError(
        `CORS_ORIGINS must list origins such as https://dashboard.example.com (scheme, host, port; no path), got "${origin}"`,
      );
    }
  }
  return Object.freeze(origins.map((o) => new URL(o).origin));
}

function otlpEndpoint(env: Env): string | undefined {
  const raw = read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (raw === undefined) return undefined;
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(raw)) {
    throw new ConfigError(`OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL such as http://collector:4318, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const allowAnonymousRead = bool(env, 'ALLOW_ANONYMOUS_READ', false);
  return Object.freeze({
    databaseUrl: databaseUrl(env),
    port: int(env, 'PORT', 4000, 0, 65535),
    host: read(env, 'HOST') ?? '0.0.0.0',
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    allowAnonymousRead,
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
    dbPoolSize: int(env, 'DB_POOL_SIZE', 10, 1, 500),
    dataloaders: bool(env, 'DATALOADERS', true),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    corsOrigins: corsOrigins(env, allowAnonymousRead),
    // 1,200 a minute per key: a busy dashboard or bot (20/s sustained) fits; a runaway loop does not.
    rateLimitRequests: int(env, 'RATE_LIMIT_REQUESTS', 1200, 0, 1_000_000),
    // 20 bad tokens a minute per address: a typo or a rotated token fits; guessing does not.
    rateLimitAuthFailures: int(env, 'RATE_LIMIT_AUTH_FAILURES', 20, 0, 1_000_000),
    rateLimitWindowSeconds: int(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
    otlpEndpoint: otlpEndpoint(env),
    otelServiceName: read(env, 'OTEL_SERVICE_NAME') ?? 'modelgate',
  });
}
