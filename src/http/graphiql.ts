import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

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
  return renderGraphiQL({
    title: 'modelgate GraphiQL',
    endpoint,
    defaultQuery: EXAMPLE_QUERY,
    headers: '{}',
    shouldPersistHeaders: false,
    // The renderer defaults to SSE at /graphql/stream; modelgate serves graphql-ws on /graphql
    // itself. GraphiQL sends its Headers tab with each operation, which the server accepts.
    subscriptionsProtocol: 'WS',
  } as Parameters<typeof renderGraphiQL>[0]);
}
