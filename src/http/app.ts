import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import express, { type ErrorRequestHandler, type Request } from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { ANONYMOUS } from '../domain/roles';
import { createServices } from '../services';
import type { Context } from '../graphql/context';
import { formatError, isMasked } from '../graphql/errors';
import { limitsPlugin } from '../graphql/limits';
import { createLoaders } from '../graphql/loaders';
import { getSchema } from '../graphql/schema';
import { GraphQLError } from 'graphql';
import { graphiqlPage } from './graphiql';
import { healthRouter } from './health';
import { Metrics } from './metrics';

export interface Gateway {
  app: express.Express;
  httpServer: Server;
  metrics: Metrics;
  listen(port: number, host?: string): Promise<number>;
  /** Stops taking requests, lets in-flight ones finish, then closes the database. */
  stop(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function requestIdOf(req: Request): string {
  const given = req.get('x-request-id');
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

function bearerToken(req: Request): string | null | undefined {
  const header = req.get('authorization');
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
  return match ? match[1] : null;
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export async function createGateway(config: Readonly<Config>, db: Database, logger: Logger): Promise<Gateway> {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const httpServer = createServer(app);
  const schema = await getSchema();
  const services = createServices(db);
  const metrics = new Metrics(db.statements);

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: config.introspection,
    csrfPrevention: true,
    // main.ts owns SIGTERM/SIGINT: Apollo's own handlers would re-raise the signal mid-drain.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints are served; Apollo's per-field cache-control bookkeeping cost ~8% of a dashboard's CPU.
      ApolloServerPluginCacheControlDisabled(),
      limitsPlugin(schema, config.maxQueryDepth, config.maxQueryCost),
      {
        async requestDidStart({ contextValue }) {
          const started = process.hrtime.bigint();
          return {
            async didEncounterErrors({ errors }) {
              for (const error of errors) {
                if (isMasked(formatError({ message: error.message, extensions: error.extensions }, error))) {
                  logger.error(
                    { requestId: contextValue.requestId, err: error.originalError ?? error, path: error.path },
                    'unexpected error',
                  );
                }
              }
            },
            async willSendResponse({ response, operationName, errors }) {
              response.http.headers.set('x-request-id', contextValue.requestId);
              response.http.headers.set('x-sql-statements', String(contextValue.statements.count));
              if (response.body.kind === 'single') {
                for (const e of response.body.singleResult.errors ?? []) {
                  if (isMasked(e)) (e.extensions as Record<string, unknown>).requestId = contextValue.requestId;
                }
              }
              const seconds = Number(process.hrtime.bigint() - started) / 1e9;
              metrics.observe(operationName, !errors?.length, seconds, contextValue.statements.count);
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.use(healthRouter(db));
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  if (config.graphiql) {
    const page = graphiqlPage('/graphql');
    app.get('/graphql', (req, res, next) => {
      if (req.query.query === undefined && req.accepts(['json', 'html']) === 'html') res.type('html').send(page);
      else next();
    });
  }

  app.use(
    '/graphql',
    (req, res, next) => {
      const statements = { count: 0 };
      res.locals.statements = statements;
      res.locals.requestId = requestIdOf(req);
      // Everything this request runs, down to the SQL, counts against its own statement count.
      db.statements.run(statements, next);
    },
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<Context> => {
        const token = bearerToken(req);
        let principal = null;
        if (token === null) throw unauthenticated('The Authorization header must be "Bearer <token>"');
        if (token !== undefined) {
          principal = await services.apiKeys.authenticate(token);
          if (!principal) throw unauthenticated('The API token is unknown or revoked');
        } else if (config.allowAnonymousRead) {
          principal = ANONYMOUS;
        }
        return {
          requestId: res.locals.requestId,
          principal,
          db,
          services,
          loaders: createLoaders(db.prisma, { batch: config.dataloaders }),
          statements: res.locals.statements,
        };
      },
    }),
  );

  app.use(((error, req, res, _next) => {
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) logger.error({ requestId: res.locals.requestId, err: error }, 'unexpected error');
    const message =
      status === 413
        ? 'The request body is over the 1 MiB limit'
        : status === 500
          ? 'Internal server error'
          : 'The request body is not valid JSON';
    const code = status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
    res.status(status).json({ errors: [{ message, extensions: { code, requestId: res.locals.requestId } }] });
    void req;
  }) as ErrorRequestHandler);

  let stopping: Promise<void> | undefined;
  return {
    app,
    httpServer,
    metrics,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    stop() {
      stopping ??= (async () => {
        await apollo.stop();
        await db.close();
      })();
      return stopping;
    },
  };
}
