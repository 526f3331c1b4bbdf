// Lint is part of `npm test`: type-aware rules, import cycles, and the layers of the design
// (domain <- db <- services <- graphql <- http) as import restrictions, so a layer break fails CI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const layer = (name, forbidden) => ({
  files: [`src/${name}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((target) => ({
          group: [`**/${target}`, `**/${target}/**`],
          message: `src/${name} must not import src/${target}: the layers are domain <- db <- services <- graphql <- http.`,
        })),
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'src/db/generated/', '**/__generated__/', 'prisma/*.prisma'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly' } },
  },
  layer('domain', ['db', 'services', 'graphql', 'http', 'config']),
  layer('db', ['services', 'graphql', 'http']),
  layer('services', ['graphql', 'http']),
  layer('graphql', ['http']),
  // http composes the gateway from services and GraphQL; rows stay behind the services.
  layer('http', ['db/repositories', 'db/generated']),
);
