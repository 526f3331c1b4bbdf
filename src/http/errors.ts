import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { refuse } from './refusals';

/** Errors raised before GraphQL runs (body too large, malformed JSON), answered in GraphQL's error shape. */
export function httpErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) logger.error({ requestId: res.locals.requestId, err: error }, 'unexpected error');
    else refuse(res, status === 413 ? 'body_too_large' : 'malformed_json');
    const message =
      status === 413
        ? 'The request body is over the 1 MiB limit'
        : status === 500
          ? 'Internal server error'
          : 'The request body is not valid JSON';
    const code = status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
    res.status(status).json({ errors: [{ message, extensions: { code, requestId: res.locals.requestId } }] });
  };
}
