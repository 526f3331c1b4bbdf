import compression from 'compression';
import type { RequestHandler } from 'express';

/** Bodies smaller than this go out as they are: compressing them saves less than it costs. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

/**
 * gzip or brotli (brotli when the client accepts both) for responses over ~1 KiB, as the client's
 * Accept-Encoding asks. Brotli at quality 4 compresses JSON about as well as gzip -6 at a
 * fraction of the CPU of its default quality 11. Responses that set Content-Encoding themselves
 * (the precompressed GraphiQL page) pass through untouched.
 */
export function compressionMiddleware(): RequestHandler {
  const compress = compression({ threshold: COMPRESSION_THRESHOLD_BYTES });
  // A client that accepts no encoding (most bots) skips the wrapping of its response altogether.
  return (req, res, next) => (req.headers['accept-encoding'] ? compress(req, res, next) : next());
}
