import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** Which database this Jest project tests: set per project in jest.config.js. */
export function testProvider(): 'sqlite' | 'postgres' {
  return (globalThis as { MODELGATE_TEST_PROVIDER?: string }).MODELGATE_TEST_PROVIDER === 'postgres' ? 'postgres' : 'sqlite';
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file: a new SQLite file, or a new PostgreSQL database. */
export async function freshDatabase(): Promise<TestDatabase> {
  if (testProvider() === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'modelgate-test-'));
    return { url: `file:${join(dir, 'test.db')}`, drop: async () => {} };
  }
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const name = `mg_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
