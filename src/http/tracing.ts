import { AsyncLocalStorage } from 'node:async_hooks';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Span, Tracer } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import type { Config } from '../config';
import type { Database } from '../db/client';
import type { Context } from '../graphql/context';

/** The OpenTelemetry pieces of one gateway; null when OTEL_EXPORTER_OTLP_ENDPOINT is unset. */
export interface Tracing {
  /** One SERVER span per /graphql request, continuing the caller's W3C `traceparent`. */
  middleware: RequestHandler;
  /** One span per GraphQL operation, child of the request's span. */
  plugin: ApolloServerPlugin<Context>;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Tracing over OTLP/HTTP (JSON) with the official SDK, when configured. Off, nothing of it is
 * loaded or mounted: no middleware, no plugin, no per-statement work. SQL statements become
 * child spans of the operation (or request) from Prisma's query events, which arrive in the
 * request's async context; the span to parent on is kept per request in an AsyncLocalStorage,
 * so no global context manager or monkey-patching is needed.
 */
export async function createTracing(config: Readonly<Config>, db: Database): Promise<Tracing | null> {
  if (!config.otlpEndpoint) return null;
  const api = await import('@opentelemetry/api');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');

  const exporter = new OTLPTraceExporter({ url: `${config.otlpEndpoint}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.otelServiceName }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  const tracer: Tracer = provider.getTracer('modelgate');
  const propagator = new W3CTraceContextPropagator();
  /** The span a request's work hangs under: its request span, then its operation span. */
  const current = new AsyncLocalStorage<{ span: Span }>();
  const under = (span: Span) => api.trace.setSpan(api.ROOT_CONTEXT, span);
  const system = db.provider === 'postgres' ? 'postgresql' : 'sqlite';

  db.statements.observer = (event) => {
    const parent = current.getStore();
    if (!parent) return; // migrations, health checks: not part of a traced request
    tracer
      .startSpan(
        'db.query',
        { kind: api.SpanKind.CLIENT, startTime: event.timestamp, attributes: { 'db.system': system, 'db.statement': event.query } },
        under(parent.span),
      )
      .end(new Date(event.timestamp.getTime() + event.durationMs));
  };

  const middleware: RequestHandler = (req, res, next) => {
    const caller = propagator.extract(api.ROOT_CONTEXT, req.headers, api.defaultTextMapGetter);
    const span = tracer.startSpan(
      `${req.method} /graphql`,
      {
        kind: api.SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'http.route': '/graphql', 'modelgate.request_id': res.locals.requestId },
      },
      caller,
    );
    res.on('finish', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
      span.end();
    });
    current.run({ span }, next);
  };

  const plugin: ApolloServerPlugin<Context> = {
    async requestDidStart() {
      const holder = current.getStore();
      if (!holder) return {};
      const request = holder.span;
      const span = tracer.startSpan('graphql.operation', {}, under(request));
      holder.span = span;
      return {
        async didResolveOperation({ operationName, operation }) {
          const type = operation?.operation ?? 'unknown';
          span.updateName(`${type} ${operationName ?? 'anonymous'}`);
          span.setAttributes({ 'graphql.operation.type': type, 'graphql.operation.name': operationName ?? '' });
        },
        async willSendResponse({ errors }) {
          if (errors?.length)
            span.setAttribute(
              'graphql.error.codes',
              errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN')),
            );
          span.end();
          holder.span = request;
        },
      };
    },
  };

  return {
    middleware,
    plugin,
    async shutdown() {
      db.statements.observer = undefined;
      await provider.shutdown();
    },
  };
}
