import { createServer, type Server } from 'node:http';
import express, { type RequestHandler } from 'express';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Counted, Database, Tx } from '../db/client';
import { createServices } from '../services';
import type { WebhookDispatcher } from '../services/webhook-dispatcher';
import { RateLimitService } from '../services/rate-limit.service';
import type { Context } from '../graphql/context';
import { formatError } from '../graphql/errors';
import { DocumentCache } from '../graphql/document-cache';
import { introspectionNeedsTokenPlugin } from '../graphql/introspection';
import { limitsPlugin, documentLimits } from '../graphql/limits';
import { createLoaders } from '../graphql/loaders';
import { getSchema } from '../graphql/schema';
import { jitGateway } from '../graphql/jit-executor';
import { countsThroughClient } from '../graphql/statement-scope';
import { storableTextPlugin } from '../graphql/text-input';
import { documentGuard } from './document-guard';
import { compressionMiddleware } from './compression';
import { corsMiddleware } from './cors';
import { httpErrorHandler } from './errors';
import { graphiqlHandler } from './graphiql';
import { apolloHandler, chain, jsonBody, type HttpContextArgument } from './graphql-route';
import { healthRouter } from './health';
import { idempotencyMiddleware } from './idempotency';
import { Metrics } from './metrics';
import { metricsRoute } from './metrics-route';
import { observabilityPlugin } from './observability.plugin';
import { rateLimitMiddleware } from './rate-limit';
import { bindResponse, challengeOnRefusal, countRefusals, refusalPlugin, requireJsonOrPreflight } from './refusals';
import { principalResolver } from './principal';
import { requestIdOf } from './request-id';
import { attachSubscriptions } from './subscriptions';
import { webhookDispatcher } from './webhooks';
import { webhookWakePlugin } from './webhook-wake.plugin';

import { createTracing } from './tracing';

/** The largest request body taken (errors.ts says 1 MiB when refusing one). */
const BODY_LIMIT_BYTES = 1024 * 1024;

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
  // No ETag on every response: GraphQL answers POSTs (never revalidated), and Express hashed each
  // body with SHA-1 to make one. The GraphiQL page sets its own (graphiql.ts).
  app.set('etag', false);
  app.use(compressionMiddleware());
  const httpServer = createServer(app);
  const schema = await getSchema();
  const tracing = await createTracing(config, db);
  const services = createServices(db, { allowPrivateUrls: config.webhooks.allowPrivateUrls, apiKeyCacheMs: config.apiKeyCacheMs });
  const metrics = new Metrics(db.statements);
  const rateLimits = new RateLimitService(db, {
    requests: config.rateLimitRequests,
    authFailures: config.rateLimitAuthFailures,
    windowMs: config.rateLimitWindowSeconds * 1000,
  });
  services.deployments.onStatus((environment, status) => metrics.deployment(environment, status));
  const webhooks = config.webhooks.dispatcher ? webhookDispatcher(config, db, logger, metrics) : undefined;

  const principalOf = principalResolver({ services, config, logger, registry: metrics.registry });
  const limits = documentLimits(config);
  const apollo = new ApolloServer<Context>({
    // The local schema, executed by graphql-jit (Apollo's gateway interface plugs the executor in).
    gateway: jitGateway<Context>(schema, {
      // Reads of the registry count their statements through ctx.db; anything else in a scope.
      around: (context, operation, execute) =>
        countsThroughClient(operation) ? execute() : db.statements.scope(context.statements, execute),
    }),
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
      ...(webhooks ? [webhookWakePlugin(() => webhooks.dispatcher.wakeAfterWrite())] : []),
      refusalPlugin(),
      ...(tracing ? [tracing.plugin] : []),
    ],
  });
  await apollo.start();
  services.events.start({ pollMs: config.eventPollMs, onError: (err) => logger.error({ err }, 'event feed') });
  const subscriptions = attachSubscriptions({ httpServer, path: '/graphql', schema, services, config, logger, prisma: db.prisma });
  metrics.trackEvents(services.events, () => subscriptions.connections);

  const context = async ({ req, res }: HttpContextArgument): Promise<Context> => {
    const tx: Tx = res.locals.db;
    const loaders = () => createLoaders(tx, { batch: config.dataloaders });
    return bindResponse(
      {
        requestId: res.locals.requestId,
        // Authenticated already when the idempotency check needed the API key.
        principal: 'principal' in res.locals ? res.locals.principal : await challengeOnRefusal(req, res, () => principalOf(req, res, tx)),
        services,
        loaders: loaders(),
        createLoaders: loaders,
        statements: res.locals.statements,
        db: tx,
      },
      res,
    );
  };

  app.use(healthRouter(db));
  app.get('/metrics', metricsRoute(metrics, config.metricsToken));
  const graphiql = config.graphiql ? graphiqlHandler('/graphql') : undefined;
  // A browser's navigation to /graphql (a GET asking for HTML) gets GraphiQL.
  const navigation: RequestHandler | undefined =
    graphiql &&
    ((req, res, next) => ((req.method === 'GET' || req.method === 'HEAD') && req.path === '/' ? graphiql(req, res, next) : next()));
  // One handler for the route, its steps in order (chain): each step's own layer cost path
  // matching and URL rewriting on every request.
  app.use(
    '/graphql',
    chain(
      (req, res, next) => {
        res.locals.requestId = requestIdOf(req);
        // Every answer carries the id, refusals too (a 401 or 413 is what a client asks about).
        res.setHeader('x-request-id', res.locals.requestId);
        next();
      },
      ...(tracing ? [tracing.middleware] : []),
      corsMiddleware(config.corsOrigins),
      ...(navigation ? [navigation] : []),
      countRefusals(metrics),
      rateLimitMiddleware(rateLimits),
      (req, res, next) => {
        // Everything this request runs, down to the SQL, counts against its own statement count:
        // its reads through its counting client, the rest in a statement scope (see the executor).
        const statements: Counted = { count: 0 };
        res.locals.statements = statements;
        res.locals.db = db.countingClient(statements);
        if (req.headers['idempotency-key'] === undefined) return next();
        // An idempotent mutation's bookkeeping runs before Apollo: its whole request is scoped.
        void db.statements.scope(statements, () => new Promise<void>((done) => (res.once('close', done), next())));
      },
      requireJsonOrPreflight(),
      jsonBody(BODY_LIMIT_BYTES),
      documentGuard(limits),
      idempotencyMiddleware(apollo, context, services, config),
      apolloHandler(apollo, context),
    ),
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
        await tracing?.shutdown();
        await db.close();
      })();
      return stopping;
    },
  };
}
