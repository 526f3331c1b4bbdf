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
import type { WebhookDispatcher } from '../services/webhook-dispatcher';
import type { Context } from '../graphql/context';
import { formatError } from '../graphql/errors';
import { limitsPlugin } from '../graphql/limits';
import { createLoaders } from '../graphql/loaders';
import { getSchema } from '../graphql/schema';
import { authenticate } from './auth';
import { httpErrorHandler } from './errors';
import { graphiqlPage } from './graphiql';
import { healthRouter } from './health';
import { Metrics } from './metrics';
import { observabilityPlugin } from './observability.plugin';
import { requestIdOf } from './request-id';
import { webhookDispatcher } from './webhooks';
import { webhookWakePlugin } from './webhook-wake.plugin';

export interface Gateway {
  app: express.Express;
  httpServer: Server;
  metrics: Metrics;
  /** Sends webhook deliveries; absent when WEBHOOK_DISPATCHER=false. */
  dispatcher: WebhookDispatcher | undefined;
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
  const services = createServices(db, { allowPrivateUrls: config.webhooks.allowPrivateUrls });
  const metrics = new Metrics(db.statements);
  const webhooks = config.webhooks.dispatcher ? webhookDispatcher(config, db, logger, metrics) : undefined;

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
      observabilityPlugin(logger, metrics),
      ...(webhooks ? [webhookWakePlugin(() => webhooks.dispatcher.wake())] : []),
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
      context: async ({ req, res }): Promise<Context> => ({
        requestId: res.locals.requestId,
        principal: await authenticate(req, services, config),
        services,
        loaders: createLoaders(db.prisma, { batch: config.dataloaders }),
        statements: res.locals.statements,
      }),
    }),
  );
  app.use(httpErrorHandler(logger));

  webhooks?.dispatcher.start();
  let stopping: Promise<void> | undefined;
  return {
    app,
    httpServer,
    metrics,
    dispatcher: webhooks?.dispatcher,
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
        // Attempts in flight are aborted and stay due: another process, or this one restarted, sends them.
        await Promise.all([apollo.stop(), webhooks?.dispatcher.stop()]);
        webhooks?.transport.close();
        await db.close();
      })();
      return stopping;
    },
  };
}
