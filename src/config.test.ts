import { ConfigError, loadConfig } from './config';

// Pure: the environment is a plain object here, never process.env.
describe('configuration', () => {
  it('has the documented defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      database: { provider: 'sqlite', url: 'file:./data/modelgate.db', file: './data/modelgate.db', poolSize: 10, synchronous: 'NORMAL' },
      port: 4000,
      host: '0.0.0.0',
      logLevel: 'info',
      allowAnonymousRead: false,
      bootstrapAdminToken: undefined,
      graphiql: true,
      introspection: true,
      introspectionNeedsToken: false,
      metricsToken: undefined,
      maxDocumentBytes: 65_536,
      maxQueryTokens: 3_000,
      maxFieldsPerSelection: 100,
      maxQueryDepth: 12,
      maxQueryCost: 10_000,
      dataloaders: true,
      apiKeyCacheMs: 1000,
      shutdownTimeoutMs: 10_000,
      webhooks: {
        allowPrivateUrls: false,
        dispatcher: true,
        timeoutMs: 10_000,
        retryDelaysMs: [5_000, 30_000, 120_000, 600_000, 3_600_000, 14_400_000],
        deadAfterMs: 86_400_000,
        pollIntervalMs: 1_000,
        leaseMs: 60_000,
      },
      corsOrigins: [],
      rateLimitRequests: 0,
      rateLimitAuthFailures: 20,
      rateLimitWindowSeconds: 60,
      otlpEndpoint: undefined,
      otelServiceName: 'modelgate',
      subscriptionBufferLimit: 10_000,
      eventPollMs: 2000,
    });
  });

  it('reads SQLITE_SYNCHRONOUS for SQLite, and refuses what it does not know', () => {
    expect(loadConfig({ SQLITE_SYNCHRONOUS: 'FULL' }).database).toMatchObject({ provider: 'sqlite', synchronous: 'FULL' });
    expect(() => loadConfig({ SQLITE_SYNCHRONOUS: 'OFF' })).toThrow(/SQLITE_SYNCHRONOUS/);
  });

  it('treats an empty or blank variable as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '  ', GRAPHIQL: '' })).toMatchObject({ port: 4000, logLevel: 'info', graphiql: true });
  });

  it('reads every variable', () => {
    const token = 'x'.repeat(40);
    const config = loadConfig({
      DATABASE_URL: 'postgresql://u:p@db:5432/mg',
      PORT: '8080',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      ALLOW_ANONYMOUS_READ: 'true',
      BOOTSTRAP_ADMIN_TOKEN: token,
      GRAPHIQL: 'off',
      INTROSPECTION: '0',
      METRICS_TOKEN: token,
      MAX_DOCUMENT_BYTES: '2048',
      MAX_QUERY_TOKENS: '500',
      MAX_FIELDS_PER_SELECTION: '50',
      MAX_QUERY_DEPTH: '20',
      MAX_QUERY_COST: '1000',
      DB_POOL_SIZE: '3',
      DATALOADERS: 'no',
      API_KEY_CACHE_MS: '0',
      SHUTDOWN_TIMEOUT_MS: '500',
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      WEBHOOK_DISPATCHER: 'false',
      WEBHOOK_TIMEOUT: '2s',
      WEBHOOK_RETRY_DELAYS: '100ms, 1.5s,2m',
      WEBHOOK_DEAD_AFTER: '1d',
      WEBHOOK_POLL_INTERVAL: '50ms',
      WEBHOOK_LEASE: '3s',
      CORS_ORIGINS: 'https://dash.example.com, http://localhost:3000/',
      RATE_LIMIT_REQUESTS: '0',
      RATE_LIMIT_AUTH_FAILURES: '5',
      RATE_LIMIT_WINDOW_SECONDS: '10',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_SERVICE_NAME: 'registry-gw',
      SUBSCRIPTION_BUFFER_LIMIT: '50',
      EVENT_POLL_INTERVAL_MS: '250',
    });
    expect(config).toEqual({
      database: { provider: 'postgres', url: 'postgresql://u:p@db:5432/mg', poolSize: 3 },
      port: 8080,
      host: '127.0.0.1',
      logLevel: 'debug',
      allowAnonymousRead: true,
      bootstrapAdminToken: token,
      graphiql: false,
      introspection: false,
      introspectionNeedsToken: false,
      metricsToken: token,
      maxDocumentBytes: 2048,
      maxQueryTokens: 500,
      maxFieldsPerSelection: 50,
      maxQueryDepth: 20,
      maxQueryCost: 1000,
      dataloaders: false,
      apiKeyCacheMs: 0,
      shutdownTimeoutMs: 500,
      webhooks: {
        allowPrivateUrls: true,
        dispatcher: false,
        timeoutMs: 2_000,
        retryDelaysMs: [100, 1_500, 120_000],
        deadAfterMs: 86_400_000,
        pollIntervalMs: 50,
        leaseMs: 3_000,
      },
      corsOrigins: ['https://dash.example.com', 'http://localhost:3000'],
      rateLimitRequests: 0,
      rateLimitAuthFailures: 5,
      rateLimitWindowSeconds: 10,
      otlpEndpoint: 'http://collector:4318',
      otelServiceName: 'registry-gw',
      subscriptionBufferLimit: 50,
      eventPollMs: 250,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads INTROSPECTION=authenticated as introspection for callers with a token', () => {
    expect(loadConfig({ INTROSPECTION: 'authenticated' })).toMatchObject({ introspection: true, introspectionNeedsToken: true });
    expect(loadConfig({ INTROSPECTION: 'true' })).toMatchObject({ introspection: true, introspectionNeedsToken: false });
  });

  it('accepts a SQLite file URL and both PostgreSQL schemes', () => {
    for (const url of ['file:/var/lib/mg.db', 'postgres://h/db', 'postgresql://h/db']) {
      expect(loadConfig({ DATABASE_URL: url }).database.url).toBe(url);
    }
  });

  // One bad value per variable: the error must name the variable so an operator knows what to fix.
  const bad: [string, string][] = [
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_URL', 'modelgate.db'],
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['LOG_LEVEL', 'loud'],
    ['ALLOW_ANONYMOUS_READ', 'maybe'],
    ['BOOTSTRAP_ADMIN_TOKEN', 'short'],
    ['BOOTSTRAP_ADMIN_TOKEN', `${'a'.repeat(20)} ${'b'.repeat(20)}`],
    ['GRAPHIQL', 'enabled'],
    ['INTROSPECTION', '2'],
    ['METRICS_TOKEN', 'short'],
    ['MAX_DOCUMENT_BYTES', '2000000'],
    ['MAX_QUERY_TOKENS', '10'],
    ['MAX_FIELDS_PER_SELECTION', '0'],
    ['MAX_QUERY_DEPTH', '1'],
    ['MAX_QUERY_DEPTH', 'deep'],
    ['MAX_QUERY_COST', '5'],
    ['MAX_QUERY_COST', '1e99'],
    ['DB_POOL_SIZE', '0'],
    ['DB_POOL_SIZE', '501'],
    ['DATALOADERS', 'sometimes'],
    ['API_KEY_CACHE_MS', '1001'],
    ['SHUTDOWN_TIMEOUT_MS', '-5'],
    ['SHUTDOWN_TIMEOUT_MS', 'soon'],
    ['WEBHOOK_ALLOW_PRIVATE_URLS', 'sure'],
    ['WEBHOOK_TIMEOUT', '10'],
    ['WEBHOOK_TIMEOUT', '90s'], // not shorter than the default lease
    ['WEBHOOK_RETRY_DELAYS', '5s,,30s'],
    ['WEBHOOK_RETRY_DELAYS', '5 seconds'],
    ['WEBHOOK_DEAD_AFTER', '0s'],
    ['WEBHOOK_POLL_INTERVAL', '-1s'],
    ['WEBHOOK_LEASE', '5s'], // not longer than the default 10 s timeout
    ['CORS_ORIGINS', '*'],
    ['CORS_ORIGINS', 'dash.example.com'],
    ['CORS_ORIGINS', 'https://dash.example.com/app'],
    ['CORS_ORIGINS', 'ftp://files.example.com'],
    ['RATE_LIMIT_REQUESTS', '-1'],
    ['RATE_LIMIT_AUTH_FAILURES', 'many'],
    ['RATE_LIMIT_WINDOW_SECONDS', '0'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['SUBSCRIPTION_BUFFER_LIMIT', '0'],
    ['EVENT_POLL_INTERVAL_MS', '10'],
  ];
  it.each(bad)('refuses %s=%j with a ConfigError naming the variable', (name, value) => {
    const load = () => loadConfig({ [name]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(name);
  });

  it('allows CORS_ORIGINS=* only together with anonymous reads, and never mixed with origins', () => {
    expect(loadConfig({ CORS_ORIGINS: '*', ALLOW_ANONYMOUS_READ: 'true' }).corsOrigins).toEqual(['*']);
    expect(() => loadConfig({ CORS_ORIGINS: '*', ALLOW_ANONYMOUS_READ: 'false' })).toThrow('ALLOW_ANONYMOUS_READ');
    expect(() => loadConfig({ CORS_ORIGINS: '*,https://a.example', ALLOW_ANONYMOUS_READ: 'true' })).toThrow('CORS_ORIGINS');
  });

  it('does not echo a rejected bootstrap token in its error', () => {
    const secret = 'short-secret';
    expect(() => loadConfig({ BOOTSTRAP_ADMIN_TOKEN: secret })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) }),
    );
  });
});
