import { DEFAULT_RETRY_SCHEDULE } from './domain/webhook-retry';

/**
 * The environment, parsed and validated once at start. A bad value stops the process with a
 * message that names the variable. Every key is documented in .env.example.
 */
import { databaseTarget, DatabaseUrlError, type DatabaseTarget } from './db/target';

export interface Config {
  /** DATABASE_URL, DB_POOL_SIZE and SQLITE_SYNCHRONOUS, parsed once. */
  database: DatabaseTarget;
  port: number;
  host: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  allowAnonymousRead: boolean;
  bootstrapAdminToken: string | undefined;
  graphiql: boolean;
  introspection: boolean;
  /** INTROSPECTION=authenticated: introspection only for callers with a valid token. */
  introspectionNeedsToken: boolean;
  /** When set, GET /metrics wants `Authorization: Bearer <metricsToken>`. */
  metricsToken: string | undefined;
  maxDocumentBytes: number;
  maxQueryTokens: number;
  maxFieldsPerSelection: number;
  maxQueryDepth: number;
  maxQueryCost: number;
  /** Off only to measure the N+1 baseline in the benchmark. */
  dataloaders: boolean;
  /** How long a checked API key is trusted without reading the database again (0: never). */
  apiKeyCacheMs: number;
  shutdownTimeoutMs: number;
  webhooks: WebhookConfig;
  /** Events a subscription may have waiting before its connection is closed with 4408. */
  subscriptionBufferLimit: number;
  /** How often each process reads new events without being woken (a missed NOTIFY waits at most this). */
  eventPollMs: number;
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

/** Webhook delivery (WEBHOOK_* variables). */
export interface WebhookConfig {
  /** Let webhook URLs reach loopback, private, link-local and metadata addresses (tests, private networks). */
  allowPrivateUrls: boolean;
  /** Run this process's dispatcher (several processes may run one each). */
  dispatcher: boolean;
  timeoutMs: number;
  retryDelaysMs: number[];
  deadAfterMs: number;
  pollIntervalMs: number;
  /** How long a dispatcher holds a webhook before another process may take it over. */
  leaseMs: number;
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
  const synchronous = oneOf(env, 'SQLITE_SYNCHRONOUS', 'NORMAL', ['NORMAL', 'FULL'] as const);
  try {
    const target = databaseTarget(url, poolSize);
    return Object.freeze(target.provider === 'sqlite' ? { ...target, synchronous } : target);
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

/** INTROSPECTION: true (anyone), false (no one) or authenticated (callers with a valid token). */
function introspection(env: Env): Pick<Config, 'introspection' | 'introspectionNeedsToken'> {
  const raw = read(env, 'INTROSPECTION')?.toLowerCase();
  if (raw === 'authenticated') return { introspection: true, introspectionNeedsToken: true };
  try {
    return { introspection: bool(env, 'INTROSPECTION', true), introspectionNeedsToken: false };
  } catch {
    throw new ConfigError(`INTROSPECTION must be true, false or authenticated, got "${raw}"`);
  }
}

function secret(env: Env, name: string): string | undefined {
  const token = read(env, name);
  if (token !== undefined && (token.length < 32 || /\s/.test(token))) {
    throw new ConfigError(`${name} must be at least 32 characters without white space`);
  }
  return token;
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as 500ms, 5s, 2m, 1h or 1d, in milliseconds. */
function parseDuration(name: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(raw.trim());
  const ms = match ? Math.round(Number(match[1]) * UNITS[match[2]]) : NaN;
  if (!Number.isFinite(ms) || ms < 1) throw new ConfigError(`${name} must be a duration such as 500ms, 5s, 2m, 1h or 1d, got "${raw}"`);
  return ms;
}

function duration(env: Env, name: string, fallback: number): number {
  const raw = read(env, name);
  return raw === undefined ? fallback : parseDuration(name, raw);
}

function durations(env: Env, name: string, fallback: readonly number[]): number[] {
  const raw = read(env, name);
  if (raw === undefined) return [...fallback];
  const list = raw.split(',').map((part) => parseDuration(name, part));
  if (list.length > 50) throw new ConfigError(`${name} may list at most 50 durations`);
  return list;
}

function webhookConfig(env: Env): WebhookConfig {
  const timeoutMs = duration(env, 'WEBHOOK_TIMEOUT', 10_000);
  const leaseMs = duration(env, 'WEBHOOK_LEASE', 60_000);
  // A lease shorter than one attempt could expire mid-attempt and let another process send it too.
  if (leaseMs <= timeoutMs) throw new ConfigError('WEBHOOK_LEASE must be longer than WEBHOOK_TIMEOUT');
  return {
    allowPrivateUrls: bool(env, 'WEBHOOK_ALLOW_PRIVATE_URLS', false),
    dispatcher: bool(env, 'WEBHOOK_DISPATCHER', true),
    timeoutMs,
    retryDelaysMs: durations(env, 'WEBHOOK_RETRY_DELAYS', DEFAULT_RETRY_SCHEDULE.delaysMs),
    deadAfterMs: duration(env, 'WEBHOOK_DEAD_AFTER', DEFAULT_RETRY_SCHEDULE.deadAfterMs),
    pollIntervalMs: duration(env, 'WEBHOOK_POLL_INTERVAL', 1_000),
    leaseMs,
  };
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
    database: database(env),
    port: int(env, 'PORT', 4000, 0, 65535),
    host: read(env, 'HOST') ?? '0.0.0.0',
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    allowAnonymousRead,
    bootstrapAdminToken: bootstrapToken(env),
    graphiql: bool(env, 'GRAPHIQL', true),
    ...introspection(env),
    metricsToken: secret(env, 'METRICS_TOKEN'),
    // 64 KiB: the standard introspection query is 2 KB, the largest test document 12 KB.
    maxDocumentBytes: int(env, 'MAX_DOCUMENT_BYTES', 65_536, 1_024, 1_048_576),
    // The standard introspection query has 184 tokens; 3,000 parse and validate in a few ms.
    maxQueryTokens: int(env, 'MAX_QUERY_TOKENS', 3_000, 100, 100_000),
    // The widest type (RegisteredModel) has under 20 fields; validation is quadratic in width.
    maxFieldsPerSelection: int(env, 'MAX_FIELDS_PER_SELECTION', 100, 10, 10_000),
    // Depth 12: the deepest useful path of the contract (models > versions > transitionRequests >
    // decisions > field) is 11; only cycles such as version.model.versions... go deeper.
    maxQueryDepth: int(env, 'MAX_QUERY_DEPTH', 12, 2, 100),
    // Cost 10,000 (limits.ts: a paged list costs `first` × its children): the dashboard of 100
    // models with 5 versions each costs 4,601, so it fits twice over; 100 models × 100 versions
    // each (30,000+) must page instead.
    maxQueryCost: int(env, 'MAX_QUERY_COST', 10_000, 10, 10_000_000),
    dataloaders: bool(env, 'DATALOADERS', true),
    // At most 1 s: a key revoked by another process must be refused within one second.
    apiKeyCacheMs: int(env, 'API_KEY_CACHE_MS', 1000, 0, 1000),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    webhooks: Object.freeze(webhookConfig(env)),
    subscriptionBufferLimit: int(env, 'SUBSCRIPTION_BUFFER_LIMIT', 10_000, 1, 1_000_000),
    eventPollMs: int(env, 'EVENT_POLL_INTERVAL_MS', 2000, 50, 60_000),
    corsOrigins: corsOrigins(env, allowAnonymousRead),
    // Off: a key's fair rate depends on its job (a team's dashboard backend, a CI bot), which only
    // the operator knows; a default either throttles a busy dashboard or stops nothing.
    rateLimitRequests: int(env, 'RATE_LIMIT_REQUESTS', 0, 0, 1_000_000),
    // 20 bad tokens a minute per address: a typo or a rotated token fits; guessing does not.
    rateLimitAuthFailures: int(env, 'RATE_LIMIT_AUTH_FAILURES', 20, 0, 1_000_000),
    rateLimitWindowSeconds: int(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
    otlpEndpoint: otlpEndpoint(env),
    otelServiceName: read(env, 'OTEL_SERVICE_NAME') ?? 'modelgate',
  });
}
