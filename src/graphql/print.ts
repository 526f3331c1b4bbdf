import { lexicographicSortSchema, printSchema } from 'graphql';
import { getSchema } from './schema';

/** The served schema as SDL, sorted so that the committed file diffs cleanly. */
export async function printServedSchema(): Promise<string> {
  return printSchema(lexicographicSortSchema(await getSchema())) + '\n';
}
