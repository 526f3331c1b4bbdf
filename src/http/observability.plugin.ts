import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from 'pino';
import type { Context } from '../graphql/context';
import { formatError, isMasked } from '../graphql/errors';
import type { Metrics } from './metrics';

/**
 * Per operation: logs unexpected (masked) errors with the request id, returns that id and the
 * statement count as headers, puts the id into masked errors, and records the metrics.
 */
export function observabilityPlugin(logger: Logger, metrics: Metrics): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            if (isMasked(formatError({ message: error.message, extensions: error.extensions }, error))) {
              logger.error({ requestId: contextValue.requestId, err: error.originalError ?? error, path: error.path }, 'unexpected error');
            }
          }
        },
        async willSendResponse({ response, operationName, errors }) {
          response.http.headers.set('x-request-id', contextValue.requestId);
          response.http.headers.set('x-sql-statements', String(contextValue.statements.count));
          if (response.body.kind === 'single') {
            for (const e of response.body.singleResult.errors ?? []) {
              if (isMasked(e)) (e.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
          }
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.observe(operationName, !errors?.length, seconds, contextValue.statements.count);
        },
      };
    },
  };
}
