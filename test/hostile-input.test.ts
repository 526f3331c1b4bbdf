import 'reflect-metadata';
import {
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  getNamedType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import { getSchema } from '../src/graphql/schema';
import { codes, startApi, type TestApi } from './support/api';

// Stories about input no database can store: every string argument of the schema, at any
// depth of its input objects, refuses NUL and lone UTF-16 surrogates with BAD_USER_INPUT
// naming the argument, before anything runs; and forged cursors are refused the same way.
let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.stop());

const STRING_SCALARS = new Set(['String', 'ID']);

/** A valid value of a type: required fields filled, optional ones left out. */
function dummy(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return dummy(type.ofType);
  if (isListType(type)) return [dummy(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0].value;
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) if (isNonNullType(f.type) && f.defaultValue === undefined) out[f.name] = dummy(f.type);
    return out;
  }
  const scalars: Record<string, unknown> = { String: 'x', ID: 'x', Int: 1, Float: 1, Boolean: true, DateTime: '2020-01-01T00:00:00.000Z' };
  return scalars[type.name];
}

/** Every path to a string inside a type: [] for a string itself, ['name'] for an input's field ... */
function stringPaths(type: GraphQLInputType, seen: Set<string> = new Set()): string[][] {
  const named = getNamedType(type);
  if (STRING_SCALARS.has(named.name)) return [[]];
  if (!(named instanceof GraphQLInputObjectType) || seen.has(named.name)) return [];
  const inner = new Set(seen).add(named.name);
  return Object.values(named.getFields()).flatMap((f) => stringPaths(f.type, inner).map((p) => [f.name, ...p]));
}

/** A valid value of `type` with `text` at `path`. */
function withText(type: GraphQLInputType, path: string[], text: string): unknown {
  if (type instanceof GraphQLNonNull) return withText(type.ofType, path, text);
  if (type instanceof GraphQLList) return [withText(type.ofType, path, text)];
  if (path.length === 0) return text;
  const named = type as GraphQLInputObjectType;
  const field = named.getFields()[path[0]];
  return { ...(dummy(named) as object), [path[0]]: withText(field.type, path.slice(1), text) };
}

interface Case {
  label: string;
  query: string;
  variables: Record<string, unknown>;
  field: string;
}

/** One request per string path of every argument of every Query and Mutation field. */
async function cases(text: string): Promise<Case[]> {
  const schema = await getSchema();
  const out: Case[] = [];
  for (const [keyword, root] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as [string, GraphQLObjectType | null][]) {
    for (const field of Object.values(root?.getFields() ?? {}) as GraphQLField<unknown, unknown>[]) {
      for (const arg of field.args) {
        for (const path of stringPaths(arg.type)) {
          const variables: Record<string, unknown> = {};
          for (const a of field.args) if (isNonNullType(a.type)) variables[a.name] = dummy(a.type);
          variables[arg.name] = withText(arg.type, path, text);
          const declared = field.args.filter((a) => a.name in variables);
          const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
          out.push({
            label: `${field.name}(${[arg.name, ...path].join('.')})`,
            query: `${keyword} Q(${declared.map((a) => `$${a.name}: ${a.type}`).join(', ')}) { ${field.name}(${declared.map((a) => `${a.name}: $${a.name}`).join(', ')})${selection} }`,
            variables,
            field: `$${[arg.name, ...path].join('.')}`,
          });
        }
      }
    }
  }
  return out;
}

describe('every string argument refuses text no database can store', () => {
  it.each([
    ['NUL', 'a\u0000b', 'must not contain NUL'],
    ['a lone UTF-16 surrogate', 'a\uD800b', 'lone UTF-16 surrogate'],
  ])('%s: BAD_USER_INPUT naming the argument, for every string argument of the schema', async (_what, text, message) => {
    const all = await cases(text);
    // The schema has string arguments at many depths; the walk must have found them.
    expect(all.length).toBeGreaterThan(40);
    const wrong: string[] = [];
    for (const c of all) {
      const result = await api.gql(c.query, c.variables as never);
      const error = result.errors?.[0];
      const ok =
        result.status === 400 &&
        result.errors?.length === 1 &&
        error?.extensions?.code === 'BAD_USER_INPUT' &&
        String(error.extensions.field).startsWith(c.field.replace(/\.[^.]+$/, '')) &&
        error.message.includes(message);
      if (!ok) wrong.push(`${c.label}: ${result.status} ${JSON.stringify(result.errors ?? result.data)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('refuses the same in a literal argument, naming its path', async () => {
    const result = await api.gql('{ auditEvents(filter: { actions: ["MODEL_CREATED"], actor: "a\\u0000" }) { totalCount } }');
    expect(result.status).toBe(400);
    expect(result.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([['BAD_USER_INPUT', 'filter.actor']]);
  });

  it('stores nothing: a model named with a lone surrogate is refused, the well-formed name is not taken', async () => {
    const create = (name: string) =>
      api.gql('mutation C($name: String!) { createRegisteredModel(input: { name: $name }) { registeredModel { name } } }', {
        name,
      } as never);
    expect(codes(await create('twin\uD800'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await create('twin\uDBFF'))).toEqual(['BAD_USER_INPUT']);
    expect((await create('twin\uD83D\uDE00')).data).toEqual({ createRegisteredModel: { registeredModel: { name: 'twin\uD83D\uDE00' } } });
    expect((await create('twin\uFFFD')).data).toEqual({ createRegisteredModel: { registeredModel: { name: 'twin\uFFFD' } } });
  });
});

const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('forged cursors are refused with BAD_USER_INPUT, never reaching the database', () => {
  beforeAll(async () => {
    await api.data('mutation { createRegisteredModel(input: { name: "paged" }) { registeredModel { name } } }');
  });

  it.each([
    ['a number for a name', 'registeredModels', '', { s: 'RegisteredModel|name:asc', v: [5, 'abc'] }],
    ['text for an id', 'registeredModels', '', { s: 'RegisteredModel|name:asc', v: ['a', 'abc'] }],
    ['an id past the integer range', 'registeredModels', '', { s: 'RegisteredModel|name:asc', v: ['a', 2 ** 40] }],
    ['a fractional id', 'registeredModels', '', { s: 'RegisteredModel|name:asc', v: ['a', 1.5] }],
    ['a NUL in a name', 'registeredModels', '', { s: 'RegisteredModel|name:asc', v: ['a\u0000', 1] }],
    [
      'a date PostgreSQL cannot hold',
      'registeredModels',
      'orderBy: [{ field: CREATED_AT, direction: DESC }]',
      { s: 'RegisteredModel|createdAt:desc', v: ['-271821-04-20T00:00:00.000Z', 1] },
    ],
    [
      'a date that is not ISO',
      'registeredModels',
      'orderBy: [{ field: CREATED_AT, direction: DESC }]',
      { s: 'RegisteredModel|createdAt:desc', v: ['2020', 1] },
    ],
    ['text for a version number', 'modelVersions', '', { s: 'ModelVersion|version:desc', v: ['x', 1] }],
    ['a negative version number', 'modelVersions', '', { s: 'ModelVersion|version:desc', v: [-1, 1] }],
    ['an audit date out of range', 'auditEvents', '', { s: 'AuditEvent|at:desc', v: ['+275760-09-13T00:00:00.000Z', 1] }],
    ['a request date of another type', 'transitionRequests', '', { s: 'TransitionRequest|createdAt:desc', v: [12, 1] }],
  ])('%s', async (_what, list, args, forged) => {
    const result = await api.gql(`{ ${list}(first: 5, after: "${cursor(forged)}"${args ? `, ${args}` : ''}) { totalCount } }`);
    expect(result.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([['BAD_USER_INPUT', 'after']]);
  });

  it('still takes the cursors it made', async () => {
    const first = await api.data<{ registeredModels: { pageInfo: { endCursor: string } } }, never>(
      '{ registeredModels(first: 1, orderBy: [{ field: CREATED_AT, direction: DESC }]) { pageInfo { endCursor } } }',
    );
    const next = await api.gql(
      `{ registeredModels(first: 1, after: "${first.registeredModels.pageInfo.endCursor}", orderBy: [{ field: CREATED_AT, direction: DESC }]) { totalCount } }`,
    );
    expect(next.errors).toBeUndefined();
  });
});
