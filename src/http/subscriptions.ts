import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import {
  GraphQLError,
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode, type Context as WsContext, type SubscribePayload } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../config';
import type { Tx } from '../db/client';
import { ANONYMOUS, type Principal } from '../domain/roles';
import type { Context } from '../graphql/context';
import { formatError, isMasked } from '../graphql/errors';
import { checkLimits, documentRefusal, documentLimits } from '../graphql/limits';
import { storableTextRefusal } from '../graphql/text-input';
import { createLoaders } from '../graphql/loaders';
import type { Services } from '../services';

/** graphql-ws's Forbidden: an unknown, malformed or revoked token. */
const CLOSE_FORBIDDEN = CloseCode.Forbidden;

interface Connection {
  /** Names of the keys this connection acts as (its connectionParams' and its operations'). */
  keys: Set<string>;
  principal: Principal | null;
  /** Ends this connection's claim on the event feed (EventFeed.retain). */
  release: () => void;
}

type Ctx = WsContext<Record<string, unknown> | undefined, Extra>;

export interface SubscriptionServer {
  readonly connections: number;
  /** Closes every connection (1001 Going away) and stops accepting new ones. */
  close(): Promise<void>;
}

export interface SubscriptionOptions {
  httpServer: Server;
  path: string;
  schema: GraphQLSchema;
  services: Services;
  config: Readonly<Config>;
  logger: Logger;
  /** The client the per-operation loaders read with. */
  prisma: Tx;
}

class Refused extends Error {}

/** The token of an "Authorization: Bearer <token>" value; undefined when absent; Refused when malformed. */
function tokenOf(source: unknown): string | undefined {
  if (!source || typeof source !== 'object') return undefined;
  const value = (source as Record<string, unknown>).Authorization ?? (source as Record<string, unknown>).authorization;
  if (value === undefined || value === null || value === '') return undefined;
  const match = typeof value === 'string' ? /^Bearer\s+(\S{1,512})\s*$/i.exec(value) : null;
  if (!match) throw new Refused('Authorization must be "Bearer <token>"');
  return match[1];
}

/**
 * `Subscription.registryEvents` over WebSocket (graphql-transport-ws, the graphql-ws library) on
 * the HTTP server's own port and path. The token comes in connectionParams, as
 * `{ "Authorization": "Bearer <token>" }`; GraphiQL instead sends its Headers tab with each
 * operation (`extensions.headers`), which is accepted too. An unknown, malformed or revoked token
 * closes the connection with 4403, also later: when a key is revoked (its API_KEY_REVOKED
 * event), the connections acting as it are closed. Operations get the same depth and cost
 * limits, roles and error masking as over HTTP.
 */
export function attachSubscriptions(options: SubscriptionOptions): SubscriptionServer {
  const { httpServer, path, schema, services, config, logger } = options;
  const limits = documentLimits(config);
  const loaders = () => createLoaders(options.prisma, { batch: config.dataloaders });
  const wss = new WebSocketServer({ server: httpServer, path, maxPayload: 1024 * 1024 });
  const open = new Map<WebSocket, Connection>();

  const authenticate = async (source: unknown, fallback: Principal | null): Promise<Principal | null> => {
    const token = tokenOf(source);
    if (token === undefined) return fallback;
    const principal = await services.apiKeys.authenticate(token);
    if (!principal) throw new Refused('The API token is unknown or revoked');
    return principal;
  };

  const unwatch = services.events.watch((event) => {
    if (event.action !== 'API_KEY_REVOKED') return;
    const name = (JSON.parse(event.details) as { name?: string }).name;
    if (!name) return;
    for (const [socket, connection] of open) {
      if (connection.keys.has(name)) socket.close(CLOSE_FORBIDDEN, 'API key revoked');
    }
  });

  const server = useServer<Record<string, unknown> | undefined>(
    {
      schema,
      async onConnect(ctx: Ctx) {
        try {
          const principal = await authenticate(ctx.connectionParams, config.allowAnonymousRead ? ANONYMOUS : null);
          const connection: Connection = {
            principal,
            keys: new Set(principal && principal.id ? [principal.name] : []),
            // The revocation watch below needs every event while the connection is open.
            release: services.events.retain(),
          };
          open.set(ctx.extra.socket, connection);
          return true;
        } catch (error) {
          if (error instanceof Refused) return false;
          throw error;
        }
      },
      onClose(ctx: Ctx) {
        open.get(ctx.extra.socket)?.release();
        open.delete(ctx.extra.socket);
      },
      async onSubscribe(ctx: Ctx, _id: string, payload: SubscribePayload): Promise<ExecutionArgs | readonly GraphQLError[]> {
        const connection = open.get(ctx.extra.socket);
        if (!connection) return [new GraphQLError('The connection is closing')];
        let principal: Principal | null;
        try {
          principal = await authenticate((payload.extensions as { headers?: unknown } | undefined)?.headers, connection.principal);
        } catch (error) {
          if (!(error instanceof Refused)) throw error;
          ctx.extra.socket.close(CLOSE_FORBIDDEN, error.message);
          return [new GraphQLError(error.message, { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        if (principal && principal.id) connection.keys.add(principal.name);
        // The same bounds as over HTTP (http/document-guard.ts), before parsing and validating.
        const refused = documentRefusal(payload.query, limits);
        if (refused) return [withoutHttp(refused)];
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: limits.maxTokens });
        } catch (error) {
          return [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
        }
        const invalid = validate(schema, document);
        if (invalid.length) return invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('Unable to identify the operation', { extensions: { code: 'BAD_USER_INPUT' } })];
        const badText = storableTextRefusal(document, payload.variables ?? undefined);
        if (badText) return [withoutHttp(badText)];
        try {
          checkLimits(schema, document, operation, payload.variables ?? {}, limits);
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          return [withoutHttp(error)];
        }
        const socket = ctx.extra.socket;
        const contextValue: Context = {
          requestId: randomUUID(),
          principal,
          services,
          loaders: loaders(),
          createLoaders: loaders,
          statements: { count: 0 },
          db: options.prisma,
          connection: {
            bufferLimit: config.subscriptionBufferLimit,
            close: (code, reason) => socket.close(code, reason),
          },
        };
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      onNext(
        _ctx: Ctx,
        _id: string,
        _payload: SubscribePayload,
        args: ExecutionArgs,
        result: ExecutionResult,
      ): FormattedExecutionResult | void {
        if (!('errors' in result) || !result.errors?.length) return;
        const requestId = (args.contextValue as Context).requestId;
        const errors = result.errors.map((error: GraphQLError) => {
          const formatted = formatError(error.toJSON(), error);
          if (isMasked(formatted)) logger.error({ requestId, err: error.originalError ?? error, path: error.path }, 'unexpected error');
          return formatted;
        });
        return { ...result, errors };
      },
    },
    wss,
  );

  return {
    get connections() {
      return open.size;
    },
    async close() {
      unwatch();
      await server.dispose();
    },
  };
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { code } });
}

/** A refusal as a subscription error: the HTTP status the same refusal carries over HTTP means nothing here. */
function withoutHttp(error: GraphQLError): GraphQLError {
  const { http: _status, ...extensions } = error.extensions;
  return new GraphQLError(error.message, { extensions });
}
