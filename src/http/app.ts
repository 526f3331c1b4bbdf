import { createServer, type Server } from 'node:http';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { createServices } from '../services';
import type { Context } from '../graphql/context';
import { formatError } from '../graphql/errors';
import { DocumentCache } from '../graphql/document-cache';
import { introspectionNeedsTokenPlugin } from '../graphql/introspection';
import { limitsPlugin, type DocumentLimits } from '../graphql/limits';
import { createLoaders } from '../graphql/loaders';
import { getSchema } from '../graphql/schema';
import { storableTextPlugin } from '../graphql/text-input';
import { documentGuard } from './document-guard';
import { httpErrorHandler } from './errors';
import { graphiqlPage } from './graphiql';
import { healthRouter } from './health';
import { Metrics } from './metrics';
import { metricsRoute } from './metrics-route';
import { observabilityPlugin } from './observability.plugin';
import { principalResolver } from './principal';
import { requestIdOf } from './request-id';

/** Parsed documents kept for reuse, by their real size in memory. */
const DOCUMENT_CACHE_BYTES = 32 * 1024 * 1024;

export interface Gateway {
  app: express.Express;
  httpServer: Server;
  metrics: Metrics;
  listen(port: number, host?: string): Promise<number>;
  /** Stops taking requests, lets in-flight ones finish, then closes the database. */
  stop(): Promise<void>;
}

/** Composes the HTTP server: health, metrics, GraphiQL and `/graphql` over Apollo. */
export async function createGateway(config: Readonly<Config>, db: Database, logger: Logger): Promise<Gateway> {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const httpServer = createServer(app);
  const schema = await getSchema();
  const services = createServices(db);
  const metrics = new Metrics(db.statements);

  const principalOf = principalResolver({ services, config, logger, registry: metrics.registry });
  const limits: DocumentLimits = {
    maxBytes: config.maxDocumentBytes,
    maxTokens: config.maxQueryTokens,
    maxFieldsPerSelection: config.maxFieldsPerSelection,
    maxDepth: config.maxQueryDepth,
    maxCost: config.maxQueryCost,
  };
  const apollo = new ApolloServer<Context>({
    schema,
    introspection: config.introspection,
    csrfPrevention: true,
    // main.ts owns SIGTERM/SIGINT: Apollo's own handlers would re-raise the signal mid-drain.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError,
    // Behind documentGuard, a second line: the parser itself stops at the token limit.
    parseOptions: { maxTokens: config.maxQueryTokens },
    documentStore: new DocumentCache(DOCUMENT_CACHE_BYTES),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints are served; Apollo's per-field cache-control bookkeeping cost ~8% of a dashboard's CPU.
      ApolloServerPluginCacheControlDisabled(),
      limitsPlugin(schema, limits),
      storableTextPlugin(),
      ...(config.introspectionNeedsToken ? [introspectionNeedsTokenPlugin()] : []),
      observabilityPlugin(logger, metrics),
    ],
  });
  await apollo.start();

  app.use(healthRouter(db));
  app.get('/metrics', metricsRoute(metrics, config.metricsToken));
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
      // Set here so that answers Apollo makes before its plugins run (refusals, context failures) carry it too.
      res.setHeader('x-request-id', res.locals.requestId);
      // Everything this request runs, down to the SQL, counts against its own statement count.
      db.statements.run(statements, next);
    },
    express.json({ limit: '1mb' }),
    documentGuard(limits),
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<Context> => ({
        requestId: res.locals.requestId,
        principal: await principalOf(req, res),
        services,
        loaders: createLoaders(db.prisma, { batch: config.dataloaders }),
        statements: res.locals.statements,
      }),
    }),
  );
  app.use(httpErrorHandler(logger));

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
