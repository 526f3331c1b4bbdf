import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StatementCounter } from '../db/client';

const OPERATION = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_OPERATIONS = 200;
/** Environments are created by ADMINs only, but a label set must stay bounded whatever happens. */
const MAX_ENVIRONMENTS = 500;

/** Prometheus metrics of one gateway; operation labels are bounded so clients cannot flood them. */
export class Metrics {
  readonly registry = new Registry();
  private readonly operations = new Set<string>();
  private readonly requests: Counter<'operation' | 'outcome'>;
  private readonly duration: Histogram<'operation'>;
  private readonly statementsPerRequest: Histogram<'operation'>;
  private readonly deployments: Counter<'environment' | 'status'>;
  private readonly environments = new Set<string>();
  private readonly webhookAttempts: Counter<'status'>;
  private readonly webhookAttemptDuration: Histogram;
  private readonly webhookLatency: Histogram;
  private readonly refusals: Counter<'status' | 'reason'>;

  constructor(statements: StatementCounter) {
    collectDefaultMetrics({ register: this.registry, prefix: 'modelgate_' });
    // Gauges that prom-client names *_total, which `promtool check metrics` flags (only counters
    // end in _total). The per-type gauges of the same name without the suffix stay: sum() them.
    for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) {
      this.registry.removeSingleMetric(`modelgate_nodejs_${name}`);
    }
    this.refusals = new Counter({
      name: 'modelgate_http_refused_requests_total',
      help: 'Requests refused before they ran (400, 401, 413, 415, 429), by status and reason',
      labelNames: ['status', 'reason'],
      registers: [this.registry],
    });
    this.requests = new Counter({
      name: 'modelgate_graphql_requests_total',
      help: 'GraphQL requests by operation and outcome (ok or error)',
      labelNames: ['operation', 'outcome'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'modelgate_graphql_request_duration_seconds',
      help: 'GraphQL request duration by operation',
      labelNames: ['operation'],
      registers: [this.registry],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.statementsPerRequest = new Histogram({
      name: 'modelgate_db_statements_per_request',
      help: 'SQL statements run by one GraphQL request',
      labelNames: ['operation'],
      registers: [this.registry],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    });
    this.deployments = new Counter({
      name: 'modelgate_deployments_total',
      help: 'Deployments that entered a status (PENDING when started, then IN_PROGRESS, SUCCEEDED, FAILED or CANCELLED), by environment',
      labelNames: ['environment', 'status'],
      registers: [this.registry],
    });
    this.webhookAttempts = new Counter({
      name: 'modelgate_webhook_deliveries_total',
      help: 'Webhook delivery attempts by the status they left the delivery in (SUCCEEDED, FAILED: retried later, DEAD)',
      labelNames: ['status'],
      registers: [this.registry],
    });
    this.webhookAttemptDuration = new Histogram({
      name: 'modelgate_webhook_attempt_duration_seconds',
      help: 'Duration of one webhook POST, answered or not',
      registers: [this.registry],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.webhookLatency = new Histogram({
      name: 'modelgate_webhook_delivery_latency_seconds',
      help: 'From the commit of an event to its successful delivery, retries included',
      registers: [this.registry],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120, 600, 3600, 86400],
    });
    let reported = 0;
    new Counter({
      name: 'modelgate_db_statements_total',
      help: 'SQL statements run by this process',
      registers: [this.registry],
      collect() {
        this.inc(statements.total - reported);
        reported = statements.total;
      },
    });
  }

  operationLabel(name: string | null | undefined): string {
    if (!name || !OPERATION.test(name)) return 'anonymous';
    if (this.operations.has(name)) return name;
    if (this.operations.size >= MAX_OPERATIONS) return 'other';
    this.operations.add(name);
    return name;
  }

  /** One refused request; reasons come from a fixed set in the code, never from the client. */
  refused(status: number, reason: string): void {
    this.refusals.inc({ status: String(status), reason });
  }

  observe(operation: string | null | undefined, ok: boolean, seconds: number, statements: number): void {
    const label = this.operationLabel(operation);
    this.requests.inc({ operation: label, outcome: ok ? 'ok' : 'error' });
    this.duration.observe({ operation: label }, seconds);
    this.statementsPerRequest.observe({ operation: label }, statements);
  }

  /** A deployment entered `status` in `environment` (called after its transaction committed). */
  deployment(environment: string, status: string): void {
    if (!this.environments.has(environment)) {
      if (this.environments.size >= MAX_ENVIRONMENTS) environment = 'other';
      else this.environments.add(environment);
    }
    this.deployments.inc({ environment, status });
  }

  webhookAttempt(status: string, seconds: number, sinceEventSeconds: number): void {
    this.webhookAttempts.inc({ status });
    this.webhookAttemptDuration.observe(seconds);
    if (status === 'SUCCEEDED') this.webhookLatency.observe(Math.max(0, sinceEventSeconds));
  }

  /** Subscriptions: read at scrape time from the event feed and the WebSocket server. */
  trackEvents(feed: { readonly published: number; readonly subscriberCount: number }, connections: () => number): void {
    let reported = 0;
    new Counter({
      name: 'modelgate_events_published_total',
      help: 'Committed events this process read and handed to its subscribers',
      registers: [this.registry],
      collect() {
        this.inc(feed.published - reported);
        reported = feed.published;
      },
    });
    new Gauge({
      name: 'modelgate_subscriptions',
      help: 'Open registryEvents subscriptions on this process',
      registers: [this.registry],
      collect() {
        this.set(feed.subscriberCount);
      },
    });
    new Gauge({
      name: 'modelgate_subscription_connections',
      help: 'Open WebSocket connections on /graphql',
      registers: [this.registry],
      collect() {
        this.set(connections());
      },
    });
  }
}
