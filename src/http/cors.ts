import cors from 'cors';
import type { RequestHandler } from 'express';

/** Request headers a browser may send cross-origin: the token, JSON, retries and tracing. */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'Apollo-Require-Preflight', 'traceparent'];
/** Response headers a page's script may read. */
const EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Idempotent-Replayed'];
/** Browsers cache a preflight this long (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_SECONDS = 7200;

/**
 * CORS for /graphql. Allowed origins get the `Access-Control-*` headers; others get none, so the
 * browser refuses the response. Every preflight is answered here with 204: left to Apollo, an
 * OPTIONS request was refused as a CSRF attempt with a 400 that said nothing about CORS.
 * Tokens travel in the Authorization header, never in cookies, so credentials stay off.
 */
export function corsMiddleware(origins: readonly string[]): RequestHandler {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  const handle = cors({
    origin: any ? '*' : (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    credentials: false,
    optionsSuccessStatus: 204,
  });
  return (req, res, next) =>
    handle(req, res, (error?: unknown) => {
      if (error) return next(error);
      // The cors package passes a refused origin's preflight on; end it here, without the headers.
      if (req.method === 'OPTIONS') return void res.vary('Origin').sendStatus(204);
      next();
    });
}
