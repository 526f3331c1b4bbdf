// `npm test` runs every test on SQLite; with TEST_DATABASE_URL (a PostgreSQL URL) it runs the
// same tests on PostgreSQL too, as a second project. Each test file gets a fresh database.
const project = (provider) => ({
  displayName: provider,
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // Prisma's WASM schema engine ships its glue as an ES module; Jest's CommonJS needs it compiled.
    'schema_engine_bg\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022' } }],
    // The OTLP exporter loads node:http with a dynamic import(), which Jest's CommonJS runtime
    // refuses without --experimental-vm-modules; compiled to CommonJS it becomes a require().
    'otlp-exporter-base/build/src/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@prisma/schema-engine-wasm|@opentelemetry/otlp-exporter-base)/)'],
  globals: { MODELGATE_TEST_PROVIDER: provider },
  // Tests beside the code (src/**) are pure, with no database: run them once.
  ...(provider === 'postgres' ? { testPathIgnorePatterns: ['/src/', '/node_modules/'] } : {}),
});

const postgres = /^postgres(ql)?:\/\//.test(process.env.TEST_DATABASE_URL ?? '');

module.exports = {
  projects: postgres ? [project('sqlite'), project('postgres')] : [project('sqlite')],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  maxWorkers: 2,
  testTimeout: 60_000,
};
