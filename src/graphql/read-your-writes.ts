import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import type { Context } from './context';
import type { Loaders } from './loaders';

/**
 * A payload may carry rows its mutation has just written, to seed the renewed loaders with
 * (so that its sub-selection does not read back what the service already holds).
 */
export const PRIME = Symbol('prime');
export interface Primed {
  [PRIME]?: (loaders: Loaders) => void;
}

/** Marks a payload with the rows to seed the request's renewed loaders with. */
export function primed<T extends object>(payload: T, prime: (loaders: Loaders) => void): T & Primed {
  return Object.assign(payload, { [PRIME]: prime });
}

/**
 * Read-your-writes within one document. A document's mutations run one after another, and the
 * request's DataLoaders cache every row a sub-selection read: a second mutation's payload would
 * show what the first one's payload cached, from before the second write. So every mutation
 * field, once its write has committed, gets fresh loaders (the dataloader README's "Clearing
 * Cache"), before its own sub-selection reads anything. Wrapped here, once, for every field of
 * the Mutation type, so a new mutation cannot forget it.
 */
export function renewLoadersAfterEachMutation(schema: GraphQLSchema): void {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = async (source, args, context: Context, info) => {
      const result: unknown = await resolve(source, args, context, info);
      context.loaders = context.createLoaders();
      (result as Primed | null)?.[PRIME]?.(context.loaders);
      return result;
    };
  }
}
