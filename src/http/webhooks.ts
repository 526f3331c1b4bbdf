import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { WebhookDispatcher } from '../services/webhook-dispatcher';
import type { Metrics } from './metrics';
import { httpWebhookTransport } from './webhook-transport';

/** The webhook dispatcher of this process (started by the gateway), with its HTTP transport, logs and metrics. */
export function webhookDispatcher(config: Readonly<Config>, db: Database, logger: Logger, metrics: Metrics) {
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
