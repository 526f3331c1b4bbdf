// The one rendering of prisma/models.prisma into a complete Prisma schema for one provider:
// `npm run generate` writes prisma/{sqlite,postgres}.prisma with it (scripts/prisma-schemas.mjs)
// and the migrator hands it to the schema engine (src/db/schema-engine.ts). Plain CommonJS, so
// that both can load it before anything is compiled.
const PROVIDERS = { sqlite: 'sqlite', postgres: 'postgresql' };

/** The generator and datasource blocks of one provider, followed by the models. */
function renderSchema(provider, models) {
  const header = `// Generated from models.prisma by scripts/prisma-schemas.mjs: do not edit.
generator client {
  provider               = "prisma-client"
  output                 = "../src/db/generated/${provider}"
  moduleFormat           = "cjs"
  importFileExtension    = ""
  generatedFileExtension = "ts"
  compilerBuild          = "small"
}

datasource db {
  provider = "${PROVIDERS[provider]}"
}
`;
  return `${header}\n${models}`;
}

module.exports = { PROVIDERS, renderSchema };
