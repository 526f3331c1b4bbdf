import type { ApolloServerOptions, BaseContext } from '@apollo/server';
import { execute, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

type Gateway = Extract<ApolloServerOptions<BaseContext>, { gateway: unknown }>['gateway'];
type Executor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;
type ExecutorContext = Parameters<Executor>[0];

/**
 * graphql-jit's error, as graphql-js would have made it: a real GraphQLError (Apollo reads its
 * `extensions`, which graphql-jit leaves undefined when the resolver's error had none) with the
 * same message, path, locations and original error.
 */
function asGraphQLError(error: GraphQLError): GraphQLError {
  const converted = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions,
  });
  if (error.locations) Object.assign(converted, { locations: error.locations });
  return converted;
}

/**
 * Queries and mutations through graphql-jit: each document (Apollo's document store hands the
 * same object for the same text) is compiled once per operation name into a function that
 * resolves a field without graphql-js's per-field bookkeeping and promises. A document it cannot
 * compile, a subscription, and a request whose variables it refuses run on graphql-js, so those
 * errors read exactly as graphql-js (and Apollo's BAD_USER_INPUT) word them.
 */
export interface ExecutorOptions<TContext> {
  /** Runs each operation's execution (e.g. in a statement scope); `execute` as it is when omitted. */
  around?(context: TContext, operation: OperationDefinitionNode, execute: () => Promise<ExecutionResult>): Promise<ExecutionResult>;
}

export function jitExecutor<TContext>(
  schema: GraphQLSchema,
  options: ExecutorOptions<TContext> = {},
): (request: ExecutorContext) => Promise<ExecutionResult> {
  const compiled = new WeakMap<DocumentNode, Map<string | undefined, CompiledQuery | null>>();
  const compiledFor = (document: DocumentNode, operationName: string | undefined): CompiledQuery | null => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map()));
    let query = byName.get(operationName);
    if (query === undefined) {
      const result = compileQuery(schema, document, operationName, { disablingCapturingStackErrors: true });
      query = isCompiledQuery(result) ? result : null;
      byName.set(operationName, query);
    }
    return query;
  };
  const run = async ({ document, operation, request, context }: ExecutorContext): Promise<ExecutionResult> => {
    const operationName = request.operationName ?? undefined;
    const variableValues = request.variables ?? {};
    const slow = async () => execute({ schema, document, contextValue: context, variableValues, operationName });
    if (operation.operation === 'subscription') return slow();
    const query = compiledFor(document, operationName);
    if (!query) return slow();
    const result = await query.query(undefined, context, variableValues);
    if (result.data === undefined) return slow();
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
  };
  const { around } = options;
  if (!around) return run;
  return (request) => around(request.context as TContext, request.operation, () => run(request));
}

/** An Apollo "gateway" serving the local schema with jitExecutor: Apollo's way to plug an executor in. */
export function jitGateway<TContext>(schema: GraphQLSchema, options: ExecutorOptions<TContext> = {}): Gateway {
  let listener: Parameters<Gateway['onSchemaLoadOrUpdate']>[0] | undefined;
  return {
    onSchemaLoadOrUpdate(callback) {
      listener = callback;
      return () => {
        listener = undefined;
      };
    },
    async load() {
      listener?.({ apiSchema: schema, coreSupergraphSdl: '' });
      return { executor: jitExecutor(schema, options) as Executor };
    },
    async stop() {},
  };
}
