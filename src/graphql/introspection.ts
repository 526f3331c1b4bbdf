import { GraphQLError, visit, type DocumentNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { ANONYMOUS } from '../domain/roles';
import type { Context } from './context';

/** Whether a document asks for the schema (`__schema` or `__type`; `__typename` is not introspection). */
export function asksForSchema(document: DocumentNode): boolean {
  let asks = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') asks = true;
    },
  });
  return asks;
}

/**
 * INTROSPECTION=authenticated: the schema is shown only to callers with a valid API token; a
 * caller without one (anonymous, whether or not anonymous reads are on) gets UNAUTHENTICATED.
 */
export function introspectionNeedsTokenPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, contextValue }) {
          const principal = contextValue.principal;
          if ((!principal || principal.id === ANONYMOUS.id) && asksForSchema(document)) {
            throw new GraphQLError('Introspection needs an API token: send Authorization: Bearer <token>', {
              extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
            });
          }
        },
      };
    },
  };
}
