import 'reflect-metadata';
import { print, type ExecutionResult } from 'graphql';
import type { Logger } from 'pino';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { loadConfig, type Config } from '../../src/config';
import { createDatabase, type Database } from '../../src/db/client';
import { migrate } from '../../src/db/migrate';
import { insertApiKey, newToken } from '../../src/db/repositories/api-key.repository';
import type { Role } from '../../src/domain/roles';
import { createGateway, type Gateway } from '../../src/http/app';
import { createLogger } from '../../src/http/logger';
import { bootstrapAdmin } from '../../src/services/bootstrap.service';
import { freshDatabase, type TestDatabase } from './databases';

export interface GraphQLResponse<T> extends ExecutionResult<T> {
  status: number;
  /** SQL statements the request ran, from the server's own counter. */
  statements: number;
  headers: Headers;
}

export interface CallOptions {
  /** A token, or null for no Authorization header; defaults to the admin's. */
  token?: string | null;
  headers?: Record<string, string>;
}

/** A gateway on a fresh database, listening on a free port, called over real HTTP. */
export interface TestApi {
  url: string;
  db: Database;
  gateway: Gateway;
  adminToken: string;
  gql<T, V>(document: TypedDocumentNode<T, V> | string, variables?: V, options?: CallOptions): Promise<GraphQLResponse<T>>;
  /** Like gql, but fails the test on any error and returns the data. */
  data<T, V>(document: TypedDocumentNode<T, V> | string, variables?: V, options?: CallOptions): Promise<T>;
  /** An API key with these roles; returns its token. */
  token(name: string, roles: Role[]): Promise<string>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The gateway's logger (e.g. createLogger('trace', stream) to read its logs); silent by default. */
  logger?: Logger;
}

export async function startApi(overrides: Partial<Record<string, string>> = {}, options: StartOptions = {}): Promise<TestApi> {
  const database: TestDatabase = await freshDatabase();
  const adminToken = newToken();
  const config: Readonly<Config> = loadConfig({
    DATABASE_URL: database.url,
    LOG_LEVEL: 'silent',
    BOOTSTRAP_ADMIN_TOKEN: adminToken,
    DB_POOL_SIZE: '5',
    ...overrides,
  });
  await migrate(config.database.url);
  const db = createDatabase(config.database);
  await bootstrapAdmin(db, adminToken);
  const gateway = await createGateway(config, db, options.logger ?? createLogger('silent'));
  const port = await gateway.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;

  const gql: TestApi['gql'] = async (document, variables, options = {}) => {
    const token = options.token === undefined ? adminToken : options.token;
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...options.headers,
      },
      body: JSON.stringify({ query: typeof document === 'string' ? document : print(document), variables }),
    });
    const body = (await response.json()) as ExecutionResult<never>;
    return {
      ...body,
      status: response.status,
      statements: Number(response.headers.get('x-sql-statements') ?? NaN),
      headers: response.headers,
    };
  };

  return {
    url,
    db,
    gateway,
    adminToken,
    gql,
    async data(document, variables, options) {
      const result = await gql(document, variables, options);
      if (result.errors?.length || !result.data) {
        throw new Error(`GraphQL errors: ${JSON.stringify(result.errors ?? result)}`);
      }
      return result.data;
    },
    async token(name, roles) {
      const token = newToken();
      await insertApiKey(db.prisma, name, roles, token, 'test');
      return token;
    },
    async stop() {
      await gateway.stop();
      await database.drop();
    },
  };
}

/** The codes of a response's errors, in order. */
export function codes(result: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }): unknown[] {
  return (result.errors ?? []).map((e) => e.extensions?.code);
}
