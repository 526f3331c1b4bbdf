import { AsyncResource } from 'node:async_hooks';
import { HeaderMap, type ApolloServer, type ContextFunction } from '@apollo/server';
import type { Request, RequestHandler, Response } from 'express';
import type { Context } from '../graphql/context';

/** What the context function gets: the request and its response. */
export interface HttpContextArgument {
  req: Request;
  res: Response;
}
export type HttpContext = ContextFunction<[HttpContextArgument], Context>;

/**
 * Runs handlers in order as one Express handler, each calling the next: mounted as ten layers of
 * their own, Express's router matched the path, trimmed and restored `req.url` and wrapped
 * `next` for each of them on every request. An error, thrown or passed on, goes to Express.
 */
export function chain(...handlers: RequestHandler[]): RequestHandler {
  return (req, res, done) => {
    let i = 0;
    const next = (error?: unknown): void => {
      if (error !== undefined) return done(error);
      const handler = handlers[i++];
      if (!handler) return done();
      try {
        const result: unknown = handler(req, res, next);
        if (result instanceof Promise) result.catch(done);
      } catch (thrown) {
        done(thrown);
      }
    };
    next();
  };
}

/** An error for Express's error handler (errors.ts), with the status it answers. */
function httpError(status: number, message: string): Error & { status: number } {
  return Object.assign(new Error(message), { status });
}

/** Whether a request carries a body (it has a length or is chunked), as body-parser decides. */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
}

/**
 * Reads a POST's JSON body into `req.body`, at most `limit` bytes: 413 past it (before reading
 * when Content-Length says so), 400 when it is not a JSON object or array, 415 for a charset
 * other than UTF-8 or a compressed body. What body-parser's `json()` did for this route, without
 * its general machinery (type matching, charset decoding, inflation), which cost about 3% of a
 * lookup's CPU. The route's other handlers have checked the content type already.
 */
export function jsonBody(limit: number): RequestHandler {
  return (req, _res, next) => {
    req.body = undefined;
    if (req.method !== 'POST' || !hasBody(req)) return next();
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity')
      return next(httpError(415, `Unsupported content encoding "${encoding}"`));
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1].toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return next(httpError(415, `Unsupported charset "${charset}"`));
    if (Number(req.headers['content-length'] ?? 0) > limit) return next(httpError(413, 'request entity too large'));
    const chunks: Buffer[] = [];
    let size = 0;
    // The stream's events run in the socket's async context: go on in this request's (its trace
    // span, an idempotent request's statement scope), as body-parser did.
    const resume = AsyncResource.bind(next);
    const finish = (error?: unknown) => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      resume(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      // The rest of the body is discarded by Node once the 413 is sent.
      if (size > limit) return finish(httpError(413, 'request entity too large'));
      chunks.push(chunk);
    };
    const onEnd = () => {
      const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return finish(httpError(400, 'invalid JSON'));
      }
      if (typeof body !== 'object' || body === null) return finish(httpError(400, 'the body is not a JSON object or array'));
      req.body = body;
      finish();
    };
    // A client that hangs up mid-body made a bad request, not a server error.
    const onError = () => finish(httpError(400, 'request aborted'));
    req.on('data', onData).on('end', onEnd).on('error', onError);
  };
}

/** A GraphQL request through Apollo, as its HTTP integrations run it: the status, headers and whole body. */
export async function runApollo(
  apollo: ApolloServer<Context>,
  context: HttpContext,
  req: Request,
  res: Response,
): Promise<{ status: number; headers: HeaderMap; body: string }> {
  const headers = new HeaderMap();
  for (const key in req.headers) {
    const value = req.headers[key];
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const query = req.url.indexOf('?');
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method.toUpperCase(), headers, search: query < 0 ? '' : req.url.slice(query), body: req.body },
    context: () => context({ req, res }),
  });
  let body = '';
  if (response.body.kind === 'complete') body = response.body.string;
  else for await (const chunk of response.body.asyncIterator) body += chunk;
  return { status: response.status ?? 200, headers: response.headers, body };
}

/** Sends Apollo's answer with Node's own response methods (Express's `send` re-derived what Apollo set). */
export function writeAnswer(res: Response, answer: { status: number; headers: HeaderMap; body: string }): void {
  for (const [key, value] of answer.headers) res.setHeader(key, value);
  res.statusCode = answer.status;
  res.setHeader('content-length', Buffer.byteLength(answer.body));
  res.end(answer.body);
}

/** The last handler of /graphql: the request through Apollo, answered. */
export function apolloHandler(apollo: ApolloServer<Context>, context: HttpContext): RequestHandler {
  return async (req, res, next) => {
    try {
      writeAnswer(res, await runApollo(apollo, context, req, res));
    } catch (error) {
      next(error);
    }
  };
}
