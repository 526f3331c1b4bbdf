// npm run schema:emit: writes the schema the code serves to schema.graphql (committed;
// test/schema.test.ts fails when it is stale).
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/db/paths';
import { printServedSchema } from '../src/graphql/print';

void printServedSchema().then((sdl) => {
  writeFileSync(join(projectRoot, 'schema.graphql'), sdl);
  console.log('wrote schema.graphql');
});
