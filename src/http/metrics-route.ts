import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Metrics } from './metrics';
import { bearerToken } from './auth';

const digest = (token: string) => createHash('sha256').update(token).digest();

/** GET /metrics: open when no METRICS_TOKEN is set; else only with `Authorization: Bearer <METRICS_TOKEN>`. */
export function metricsRoute(metrics: Metrics, metricsToken: string | undefined): RequestHandler {
  const expected = metricsToken === undefined ? undefined : digest(metricsToken);
  return async (req, res) => {
    if (expected) {
      const token = bearerToken(req);
      // Digests of equal length: the comparison takes the same time whatever the token.
      if (typeof token !== 'string' || !timingSafeEqual(digest(token), expected)) {
        res
          .status(401)
          .set('www-authenticate', 'Bearer realm="metrics"')
          .type('text/plain')
          .send('The metrics token is missing or wrong\n');
        return;
      }
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}
