import 'reflect-metadata';
import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { queryCost, queryDepth } from './cost';
import { getSchema } from './schema';

// Pure: depth and cost of documents against the served schema, no database.
function split(query: string) {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return { operation, fragments };
}

/** 40 fragments, each spreading the next twice: 2^39 leaves once expanded. */
const doubling = Array.from({ length: 40 }, (_, i) =>
  i === 39 ? 'fragment F39 on Query { __typename }' : `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
).join(' ');

describe('depth and cost', () => {
  // Walking the 2^39 expanded leaves one by one would take hours: that these return at all shows
  // each fragment is walked once (no timing needed, which a busy machine would make flaky).
  it('walk each fragment once, however often it is spread', async () => {
    const { operation, fragments } = split(`{ ...F0 } ${doubling}`);
    expect(queryDepth(operation.selectionSet, fragments)).toBe(1);
    expect(queryCost(await getSchema(), operation, fragments, {})).toBe(2 ** 39);
  });

  it('cost a paged list `first` times its children, and the costliest type of an abstract selection', async () => {
    const schema = await getSchema();
    const { operation, fragments } = split(
      'query Q($n: Int) { registeredModels(first: $n) { edges { node { name versions(first: 5) { edges { node { version } } } } } } }',
    );
    // models: 1 + 10 × edges(1 + node(1 + name 1 + versions(1 + 5 × edges(1 + node(1 + version 1)))))
    expect(queryCost(schema, operation, fragments, { n: 10 })).toBe(1 + 10 * (1 + (1 + 1 + (1 + 5 * (1 + (1 + 1))))));
    // The same operation again with another `first`: costed anew, not taken from the first call.
    expect(queryCost(schema, operation, fragments, { n: 2 })).toBe(1 + 2 * (1 + (1 + 1 + (1 + 5 * (1 + (1 + 1))))));
    const node = split('{ node(id: "x") { ... on RegisteredModel { name tags { key } } ... on Principal { name } } }');
    expect(queryCost(schema, node.operation, node.fragments, {})).toBe(1 + 3);
  });

  it('skip what @skip and @include leave out, and refuse variables that do not coerce', async () => {
    const schema = await getSchema();
    const { operation, fragments } = split('query Q($no: Boolean!) { viewer @include(if: $no) { name } __typename }');
    expect(queryCost(schema, operation, fragments, { no: false })).toBe(1);
    expect(queryCost(schema, operation, fragments, { no: true })).toBe(3);
    expect(() => queryCost(schema, operation, fragments, { no: 'x' })).toThrow(/Boolean/);
    // A cost no variable changes is computed once, and the variables are still checked every time.
    const lookup = split('query L($name: String!) { registeredModel(name: $name) { name } }');
    expect(queryCost(schema, lookup.operation, lookup.fragments, { name: 'a' })).toBe(2);
    expect(queryCost(schema, lookup.operation, lookup.fragments, { name: 'b' })).toBe(2);
    expect(() => queryCost(schema, lookup.operation, lookup.fragments, { name: 7 })).toThrow(/String/);
  });

  it('count depth through fragments, and not through introspection ofType', () => {
    const { operation, fragments } = split(
      '{ viewer { ...P } __type(name: "X") { ofType { ofType { name } } } } fragment P on Principal { name }',
    );
    expect(queryDepth(operation.selectionSet, fragments)).toBe(2);
  });
});
