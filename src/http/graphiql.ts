import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip as gzipCallback } from 'node:zlib';
import type * as RenderGraphiQL from '@graphql-yoga/render-graphiql';
import type { RequestHandler } from 'express';

const brotli = promisify(brotliCompress);
const gzip = promisify(gzipCallback);

const EXAMPLE_QUERY = `# Every request needs your API token. Open the Headers tab below and enter
#   { "Authorization": "Bearer <your token>" }
# then run this with Ctrl-Enter or the pink button.
query Dashboard {
  viewer { name roles }
  registeredModels(first: 10) {
    totalCount
    edges { node { name description tags { key value } } }
  }
}
`;

/**
 * GraphiQL with its scripts and styles inlined from the npm package: works with no internet.
 * The headers start empty rather than with a placeholder token: a placeholder would be sent
 * and refused, and the page would open on an UNAUTHENTICATED error instead of the schema
 * (introspection needs no token; the queries do). Subscriptions run over WebSocket
 * (graphql-transport-ws) against the same endpoint, with the same headers.
 */
export function graphiqlPage(endpoint: string): string {
  // Required here, not imported at the top: its bundle (a 10 MB string, kept for the process's
  // life) is loaded only by a gateway that serves GraphiQL, not by one started with GRAPHIQL=false.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { renderGraphiQL } = require('@graphql-yoga/render-graphiql') as typeof RenderGraphiQL;
  return renderGraphiQL({
    title: 'modelgate GraphiQL',
    endpoint,
    defaultQuery: EXAMPLE_QUERY,
    headers: '{}',
    shouldPersistHeaders: false,
    // The renderer defaults to SSE at /graphql/stream; modelgate serves graphql-ws on /graphql
    // itself. GraphiQL sends its Headers tab with each operation, which the server accepts.
    subscriptionsProtocol: 'WS',
  } as Parameters<typeof RenderGraphiQL.renderGraphiQL>[0]);
}

/**
 * Serves the page (about 9 MB, as it bundles GraphiQL and Monaco) to browser navigations, also
 * with `?query=...`: GraphiQL writes the query into the URL, and a reload or a shared link must
 * open the page, not a CSRF error. The page is compressed once per encoding, on first use and
 * off the event loop, not per request (brotli 5: 1.9 MB, gzip 6: 2.4 MB); browsers revalidate
 * it with its ETag (`no-cache`) and get a 304 while it holds.
 */
export function graphiqlHandler(endpoint: string): RequestHandler {
  const page = Buffer.from(graphiqlPage(endpoint));
  const etag = `"${createHash('sha256').update(page).digest('base64url').slice(0, 27)}"`;
  const encoded: { br?: Promise<Buffer>; gzip?: Promise<Buffer> } = {};
  const encode = {
    br: () => (encoded.br ??= brotli(page, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })),
    gzip: () => (encoded.gzip ??= gzip(page, { level: 6 })),
  };
  return async (req, res, next) => {
    if (req.accepts(['json', 'html']) !== 'html') return next();
    res.set({ ETag: etag, 'Cache-Control': 'no-cache', Vary: 'Accept, Accept-Encoding' }).type('html');
    if (req.fresh) return void res.status(304).end();
    const encoding = req.acceptsEncodings('br', 'gzip');
    if (encoding === 'br' || encoding === 'gzip') res.set('Content-Encoding', encoding).send(await encode[encoding]());
    else res.send(page);
  };
}
