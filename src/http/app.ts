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
import { WebhookDispatcher } from '../services/webhook-dispatcher';
import type { Context } from '../graphql/context';
import { formatError } from '../graphql/errors';
import { DocumentCache } from '../graphql/document-cache';
import { limitsPlugin, type DocumentLimits } from '../graphql/limits';
import { createLoaders } from '../graphql/loaders';
import { getSchema } from '../graphql/schema';
import { storableTextPlugin } from '../graphql/text-input';
import { authenticate } from './auth';
import { documentGuard } from './document-guard';
import { httpErrorHandler } from './errors';
import { graphiqlPage } from './graphiql';
import { healthRouter } from './health';
import { Metrics } from './metrics';
import { observabilityPlugin } from './observability.plugin';
import { requestIdOf } from './request-id';
import { attachSubscriptions } from './subscriptions';
import { httpWebhookTransport } from './webhook-transport';
import { webhookWakePlugin } from './webhook-wake.plugin';

/** Parsed documents kept for reuse, by their real size in memory. */
const DOCUMENT_CACHE_BYTES = 32 * 1024 * 1024;

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
  const services = createServices(db, { allowPrivateUrls: config.webhooks.allowPrivateUrls, apiKeyCacheMs: config.apiKeyCacheMs });
  const metrics = new Metrics(db.statements);
  services.deployments.onStatus((environment, status) => metrics.deployment(environment, status));
  const webhooks = config.webhooks.dispatcher ? webhookDispatcher(config, db, logger, metrics) : undefined;

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
    // Parsing stops at the token limit even if a plugin's own check were bypassed.
    parseOptions: { maxTokens: config.maxQueryTokens },
    documentStore: new DocumentCache(DOCUMENT_CACHE_BYTES),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints are served; Apollo's per-field cache-control bookkeeping cost ~8% of a dashboard's CPU.
      ApolloServerPluginCacheControlDisabled(),
      limitsPlugin(schema, limits),
      storableTextPlugin(),
      observabilityPlugin(logger, metrics),
      ...(webhooks ? [webhookWakePlugin(() => webhooks.dispatcher.wake())] : []),
    ],
  });
  await apollo.start();
  await services.events.start({ pollMs: config.eventPollMs, onError: (err) => logger.error({ err }, 'event feed') });
  const subscriptions = attachSubscriptions({ httpServer, path: '/graphql', schema, services, config, logger, prisma: db.prisma });
  metrics.trackEvents(services.events, () => subscriptions.connections);

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
      // Set here so that answers Apollo makes before its plugins run (refusals, context failures) carry it too.
      res.setHeader('x-request-id', res.locals.requestId);
      // Everything this request runs, down to the SQL, counts against its own statement count.
      db.statements.run(statements, next);
    },
    express.json({ limit: '1mb' }),
    documentGuard(limits),
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<Context> => {
        const loaders = () => createLoaders(db.prisma, { batch: config.dataloaders });
        return {
          requestId: res.locals.requestId,
          principal: await authenticate(req, services, config),
          services,
          loaders: loaders(),
          createLoaders: loaders,
          statements: res.locals.statements,
        };
      },
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
        await subscriptions.close();
        await services.events.stop();
        // Attempts in flight are aborted and stay due: another process, or this one restarted, sends them.
        await Promise.all([apollo.stop(), webhooks?.dispatcher.stop()]);
        webhooks?.transport.close();
        await db.close();
      })();
      return stopping;
    },
  };
}

/** The webhook dispatcher of this process, with its HTTP transport, logs and metrics. */
function webhookDispatcher(config: Readonly<Config>, db: Database, logger: Logger, metrics: Metrics) {
  const { allowPrivateUrls, timeoutMs, retryDelaysMs, deadAfterMs, pollIntervalMs, leaseMs } = config.webhooks;
  const transport = httpWebhookTransport({ allowPrivate: allowPrivateUrls });
  const dispatcher = new WebhookDispatcher(db, {
    transport,
    schedule: { delaysMs: retryDelaysMs, deadAfterMs, jitter: 0.2 },
    timeoutMs,
    pollIntervalMs,
    leaseMs,
    onAttempt(report) {
      metrics.webhookAttempt(report.status, report.seconds, report.sinceEventSeconds);
      // Names the webhook and the delivery, never its secret, URL or body.
      const line = { webhook: report.webhook, deliveryId: report.deliveryId, status: report.status, statusCode: report.statusCode };
      if (report.status === 'SUCCEEDED') logger.debug(line, 'webhook delivered');
      else logger.warn({ ...line, error: report.error }, 'webhook delivery failed');
    },
    onError(error) {
      logger.error({ err: error }, 'webhook dispatcher error');
    },
  });
  return { dispatcher, transport };
}
