import {
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getNamedType,
  visit,
  isAbstractType,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { getArgumentValues, getDirectiveValues, getVariableValues } from 'graphql/execution/values';
import { DEFAULT_PAGE_SIZE } from '../domain/paging';

type Fragments = Record<string, FragmentDefinitionNode>;

/**
 * Depth of the deepest field path, through fragments (introspection fields included). Each
 * fragment's depth is computed once per request: re-walking a fragment at every spread made
 * 22 fragments that each spread the next twice cost 2^22 walks. An introspection `ofType`
 * does not count: its chain unwraps one type reference (no fan-out), and the standard
 * introspection query that GraphiQL and codegen send nests it 7 deep.
 */
export function queryDepth(selectionSet: SelectionSetNode, fragments: Fragments): number {
  const memo = new Map<string, number>();
  const depthOf = (set: SelectionSetNode, open: Set<string>): number => {
    let max = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const own = selection.name.value === 'ofType' ? 0 : 1;
        max = Math.max(max, own + (selection.selectionSet ? depthOf(selection.selectionSet, open) : 0));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(max, depthOf(selection.selectionSet, open));
      } else {
        const name = selection.name.value;
        const fragment = fragments[name];
        // A cycle (refused by validation anyway) adds nothing.
        if (!fragment || open.has(name)) continue;
        if (!memo.has(name)) {
          open.add(name);
          memo.set(name, depthOf(fragment.selectionSet, open));
          open.delete(name);
        }
        max = Math.max(max, memo.get(name)!);
      }
    }
    return max;
  };
  return depthOf(selectionSet, new Set());
}

/** Costs of operations no variable can change, by operation (parsed documents are cached and reused). */
const fixedCosts = new WeakMap<OperationDefinitionNode, number>();
const variableDependent = new WeakMap<OperationDefinitionNode, boolean>();

/** Whether a variable can change the cost: it gives a `first`, or the condition of an @skip or @include. */
function costDependsOnVariables(operation: OperationDefinitionNode, fragments: Fragments): boolean {
  let depends = variableDependent.get(operation);
  if (depends !== undefined) return depends;
  depends = false;
  const look = {
    Argument(node: { name: { value: string }; value: { kind: Kind } }) {
      if (node.name.value === 'first' && node.value.kind === Kind.VARIABLE) depends = true;
    },
    Directive(node: { name: { value: string }; arguments?: readonly { value: { kind: Kind } }[] }) {
      const conditional = node.name.value === 'skip' || node.name.value === 'include';
      if (conditional && node.arguments?.some((a) => a.value.kind === Kind.VARIABLE)) depends = true;
    },
  };
  visit(operation, look);
  for (const fragment of Object.values(fragments)) visit(fragment, look);
  variableDependent.set(operation, depends);
  return depends;
}

/**
 * The estimated cost of an operation: a field costs 1 plus its children; a list field that
 * takes `first` costs its children once per item it may return (a page of 100 models asking
 * for 5 versions each costs about 100 × 5 × fields per version). Where a selection may be of
 * several types, the costliest type counts. Fields skipped by @skip/@include cost nothing.
 * Each fragment is costed once per request (the variables are fixed), however often it is spread,
 * and an operation whose cost no variable can change is costed once (its variables still coerced).
 * Throws graphql-js's GraphQLError when the variables do not coerce.
 */
export function queryCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Fragments,
  rawVariables: Record<string, unknown>,
): number {
  const { coerced, errors } = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
  if (errors?.length) throw errors[0];
  const variables = coerced!;
  // A lookup's cost is the same whatever model it names: walk its document once.
  const fixed = !costDependsOnVariables(operation, fragments);
  if (fixed && fixedCosts.has(operation)) return fixedCosts.get(operation)!;
  const memo = new Map<string, number>();
  const open = new Set<string>();

  const included = (node: SelectionNode): boolean => {
    if (!node.directives?.length) return true;
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
  };
  const namesOf = (type: GraphQLCompositeType): string[] =>
    isAbstractType(type) ? schema.getPossibleTypes(type).map((t) => t.name) : [type.name];

  const fieldCost = (field: GraphQLField<unknown, unknown>, children: number, args: Record<string, unknown>): number => {
    if (!field.args.some((a) => a.name === 'first')) return 1 + children;
    const first = typeof args.first === 'number' ? Math.max(args.first, 0) : DEFAULT_PAGE_SIZE;
    return 1 + first * Math.max(children, 1);
  };

  const fragmentCost = (name: string): number => {
    const fragment = fragments[name];
    if (!fragment || open.has(name)) return 0;
    if (!memo.has(name)) {
      const type = schema.getType(fragment.typeCondition.name.value);
      open.add(name);
      memo.set(name, isCompositeType(type) ? setCost(fragment.selectionSet, type) : 0);
      open.delete(name);
    }
    return memo.get(name)!;
  };

  function setCost(set: SelectionSetNode, type: GraphQLCompositeType): number {
    const fields = isObjectType(type) || isInterfaceType(type) ? type.getFields() : {};
    const perType = new Map<string, number>();
    const add = (cost: number, names: string[]) => {
      for (const n of names) perType.set(n, (perType.get(n) ?? 0) + cost);
    };
    for (const selection of set.selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const field =
          name === SchemaMetaFieldDef.name
            ? SchemaMetaFieldDef
            : name === TypeMetaFieldDef.name
              ? TypeMetaFieldDef
              : name === TypeNameMetaFieldDef.name
                ? TypeNameMetaFieldDef
                : fields[name];
        if (!field) continue;
        const named = getNamedType(field.type);
        const children = isCompositeType(named) && selection.selectionSet ? setCost(selection.selectionSet, named) : 0;
        add(fieldCost(field, children, getArgumentValues(field, selection, variables)), namesOf(type));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (isCompositeType(condition)) add(setCost(selection.selectionSet, condition), namesOf(condition));
      } else {
        const fragment = fragments[selection.name.value];
        const condition = fragment && schema.getType(fragment.typeCondition.name.value);
        if (isCompositeType(condition)) add(fragmentCost(selection.name.value), namesOf(condition));
      }
    }
    return Math.max(0, ...perType.values());
  }

  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) throw new GraphQLError(`The schema has no ${operation.operation} type`);
  const cost = setCost(operation.selectionSet, root);
  if (fixed) fixedCosts.set(operation, cost);
  return cost;
}
