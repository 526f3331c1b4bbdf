import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

const EXAMPLE_QUERY = `# Put your token in the Headers tab: {"Authorization": "Bearer <token>"}
query Dashboard {
  viewer { name roles }
  registeredModels(first: 10) {
    totalCount
    edges { node { name description tags { key value } } }
  }
}
`;

/** GraphiQL with its scripts and styles inlined from the npm package: works with no internet. */
export function graphiqlPage(endpoint: string): string {
  return renderGraphiQL({
    title: 'modelgate GraphiQL',
    endpoint,
    defaultQuery: EXAMPLE_QUERY,
    headers: JSON.stringify({ Authorization: 'Bearer <token>' }, null, 2),
    shouldPersistHeaders: false,
  } as Parameters<typeof renderGraphiQL>[0]);
}
