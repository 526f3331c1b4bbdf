import { GraphQLError, Kind, visit, type DocumentNode, type ValueNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { textProblem } from '../domain/text';

function refusal(field: string, problem: string): GraphQLError {
  return new GraphQLError(`${field} ${problem}`, { extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } } });
}

/** The first string in a literal argument value that cannot be stored, with its path. */
function literalProblem(value: ValueNode, path: string): GraphQLError | null {
  if (value.kind === Kind.STRING) {
    const problem = textProblem(value.value);
    return problem ? refusal(path, problem) : null;
  }
  if (value.kind === Kind.LIST) {
    for (const [i, item] of value.values.entries()) {
      const found = literalProblem(item, `${path}[${i}]`);
      if (found) return found;
    }
  }
  if (value.kind === Kind.OBJECT) {
    for (const f of value.fields) {
      const found = literalProblem(f.value, `${path}.${f.name.value}`);
      if (found) return found;
    }
  }
  return null;
}

/** The first string anywhere in the variables' JSON that cannot be stored, with its path. */
function variableProblem(value: unknown, path: string): GraphQLError | null {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? refusal(path, problem) : null;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = variableProblem(item, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = variableProblem(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Every string a request passes as an argument, literal or variable, at any depth of an input
 * object or list, is text both databases store as given: no NUL (PostgreSQL refuses it with
 * 22021, a 500), no lone UTF-16 surrogate. Checked here, once for the whole request, so no
 * argument of any field, present or future, can forget it. Refused with BAD_USER_INPUT naming
 * the argument (`filter.actor`, `$input.name`).
 */
export function storableTextRefusal(document: DocumentNode, variables: Record<string, unknown> | undefined): GraphQLError | null {
  const found = literalRefusal(document);
  if (found) return found;
  for (const [name, value] of Object.entries(variables ?? {})) {
    const problem = variableProblem(value, `$${name}`);
    if (problem) return problem;
  }
  return null;
}

// Documents whose literals are all storable: Apollo's document store hands the same DocumentNode
// back for the same text, so a document in use is walked once, not per request.
const storableLiterals = new WeakSet<DocumentNode>();

/** The first string literal among the document's arguments that cannot be stored. */
function literalRefusal(document: DocumentNode): GraphQLError | null {
  if (storableLiterals.has(document)) return null;
  const found: GraphQLError[] = [];
  visit(document, {
    Argument(node) {
      const problem = literalProblem(node.value, node.name.value);
      if (problem) found.push(problem);
    },
  });
  if (!found.length) storableLiterals.add(document);
  return found[0] ?? null;
}

/** Refuses a request whose string arguments cannot be stored (see storableTextRefusal). */
export function storableTextPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const refused = storableTextRefusal(document, request.variables);
          if (refused) throw refused;
        },
      };
    },
  };
}
