import { ConfigError, loadConfig } from './config';

// Pure: the environment is a plain object here, never process.env.
describe('configuration', () => {
  it('has the documented defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      database: { provider: 'sqlite', url: 'file:./data/modelgate.db', file: './data/modelgate.db', poolSize: 10 },
      port: 4000,
      host: '0.0.0.0',
      logLevel: 'info',
      allowAnonymousRead: false,
      bootstrapAdminToken: undefined,
      graphiql: true,
      introspection: true,
      maxQueryDepth: 12,
      maxQueryCost: 10_000,
      dataloaders: true,
      shutdownTimeoutMs: 10_000,
    });
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
      MAX_QUERY_DEPTH: '20',
      MAX_QUERY_COST: '1000',
      DB_POOL_SIZE: '3',
      DATALOADERS: 'no',
      SHUTDOWN_TIMEOUT_MS: '500',
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
      maxQueryDepth: 20,
      maxQueryCost: 1000,
      dataloaders: false,
      shutdownTimeoutMs: 500,
    });
    expect(Object.isFrozen(config)).toBe(true);
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
    ['MAX_QUERY_DEPTH', '1'],
    ['MAX_QUERY_DEPTH', 'deep'],
    ['MAX_QUERY_COST', '5'],
    ['MAX_QUERY_COST', '1e99'],
    ['DB_POOL_SIZE', '0'],
    ['DB_POOL_SIZE', '501'],
    ['DATALOADERS', 'sometimes'],
    ['SHUTDOWN_TIMEOUT_MS', '-5'],
    ['SHUTDOWN_TIMEOUT_MS', 'soon'],
  ];
  it.each(bad)('refuses %s=%j with a ConfigError naming the variable', (name, value) => {
    const load = () => loadConfig({ [name]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(name);
  });

  it('does not echo a rejected bootstrap token in its error', () => {
    const secret = 'short-secret';
    expect(() => loadConfig({ BOOTSTRAP_ADMIN_TOKEN: secret })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) }),
    );
  });
});
