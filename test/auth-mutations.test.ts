import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { GovAuditEventsDocument, GovRevokeApiKeyDocument } from './__generated__/graphql';
import { getSchema } from '../src/graphql/schema';
import { Role } from '../src/domain/roles';
import { codes, startApi, type TestApi } from './support/api';

// Walks the schema the server EMITS: a mutation added without a role check fails here.
let api: TestApi;
const tokens: Partial<Record<Role, string>> = {};
let revoked: string;
beforeAll(async () => {
  api = await startApi();
  for (const role of [Role.VIEWER, Role.CONTRIBUTOR, Role.APPROVER]) tokens[role] = await api.token(`walker-${role.toLowerCase()}`, [role]);
  revoked = await api.token('walker-revoked', [Role.ADMIN]);
  await api.data(GovRevokeApiKeyDocument, { input: { name: 'walker-revoked' } });
});
afterAll(() => api.stop());

/** The smallest value GraphQL accepts for a type: required fields only, empty lists. */
function minimal(type: GraphQLInputType): unknown {
  const inner = getNullableType(type) as GraphQLInputType;
  if (isListType(inner)) return [];
  if (isEnumType(inner)) return inner.getValues()[0].value;
  if (isScalarType(inner)) {
    const values: Record<string, unknown> = {
      String: 'x',
      ID: 'eA',
      Int: 1,
      Float: 1,
      Boolean: false,
      DateTime: '2026-01-01T00:00:00.000Z',
    };
    if (!(inner.name in values)) throw new Error(`no minimal value for scalar ${inner.name}`);
    return values[inner.name];
  }
  if (isInputObjectType(inner)) {
    const out: Record<string, unknown> = {};
    for (const field of Object.values(inner.getFields())) {
      if (isNonNullType(field.type) && field.defaultValue === undefined) out[field.name] = minimal(field.type);
    }
    return out;
  }
  throw new Error(`unexpected input type ${String(type)}`);
}

/** An operation calling one root field with minimal required arguments, as variables. */
function call(kind: 'mutation' | 'query', field: GraphQLField<unknown, unknown>) {
  const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  const decl = required.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const args = required.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  const document = `${kind}${decl ? `(${decl})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`;
  return { document, variables: Object.fromEntries(required.map((a) => [a.name, minimal(a.type)])) };
}

/** The lowest role each mutation needs (semantics §2); a mutation missing here is checked for VIEWER only. */
const NEEDS: Record<string, Role> = {
  createRegisteredModel: Role.CONTRIBUTOR,
  updateRegisteredModel: Role.CONTRIBUTOR,
  renameRegisteredModel: Role.CONTRIBUTOR,
  setRegisteredModelTag: Role.CONTRIBUTOR,
  deleteRegisteredModelTag: Role.CONTRIBUTOR,
  createModelVersion: Role.CONTRIBUTOR,
  updateModelVersion: Role.CONTRIBUTOR,
  setModelVersionTag: Role.CONTRIBUTOR,
  deleteModelVersionTag: Role.CONTRIBUTOR,
  logModelVersionMetrics: Role.CONTRIBUTOR,
  setModelAlias: Role.CONTRIBUTOR,
  deleteModelAlias: Role.CONTRIBUTOR,
  requestStageTransition: Role.CONTRIBUTOR,
  cancelTransitionRequest: Role.CONTRIBUTOR,
  approveTransitionRequest: Role.APPROVER,
  rejectTransitionRequest: Role.APPROVER,
  deleteRegisteredModel: Role.ADMIN,
  deleteModelVersion: Role.ADMIN,
  transitionModelVersionStage: Role.ADMIN,
  setGovernancePolicy: Role.ADMIN,
  createApiKey: Role.ADMIN,
  revokeApiKey: Role.ADMIN,
  startDeployment: Role.CONTRIBUTOR,
  reportDeploymentStatus: Role.CONTRIBUTOR,
  cancelDeployment: Role.CONTRIBUTOR,
  rollbackDeployment: Role.APPROVER,
  createEnvironment: Role.ADMIN,
  updateEnvironment: Role.ADMIN,
  deleteEnvironment: Role.ADMIN,
  createWebhook: Role.ADMIN,
  updateWebhook: Role.ADMIN,
  deleteWebhook: Role.ADMIN,
  redeliverWebhook: Role.ADMIN,
};
const BELOW: Record<Role, Role[]> = {
  VIEWER: [],
  CONTRIBUTOR: [Role.VIEWER],
  APPROVER: [Role.VIEWER, Role.CONTRIBUTOR],
  ADMIN: [Role.VIEWER, Role.CONTRIBUTOR, Role.APPROVER],
};

const auditCount = async () => (await api.data(GovAuditEventsDocument, { first: 0 })).auditEvents.totalCount;

describe('every mutation of the emitted schema', () => {
  it('is refused below its role (FORBIDDEN), without a token and with a revoked one (UNAUTHENTICATED), leaving no audit trace', async () => {
    const mutations = Object.values((await getSchema()).getMutationType()!.getFields());
    expect(mutations.length).toBeGreaterThanOrEqual(Object.keys(NEEDS).length);
    const before = await auditCount();
    const problems: string[] = [];
    for (const field of mutations) {
      const { document, variables } = call('mutation', field);
      const below = NEEDS[field.name] ? BELOW[NEEDS[field.name]] : [Role.VIEWER];
      for (const role of below) {
        const got = codes(await api.gql(document, variables, { token: tokens[role] }));
        if (got.join() !== 'FORBIDDEN') problems.push(`${field.name} as ${role}: ${got.join() || 'no error'}`);
      }
      for (const [who, token] of [
        ['no token', null],
        ['a revoked token', revoked],
      ] as const) {
        const got = codes(await api.gql(document, variables, { token }));
        if (got.join() !== 'UNAUTHENTICATED') problems.push(`${field.name} with ${who}: ${got.join() || 'no error'}`);
      }
    }
    expect(problems).toEqual([]);
    expect(await auditCount()).toBe(before);
  });

  it('declares its role in the table above (a new mutation must be added with its role)', async () => {
    const names = Object.keys((await getSchema()).getMutationType()!.getFields()).sort();
    expect(names).toEqual(Object.keys(NEEDS).sort());
  });
});

describe('every query of the emitted schema', () => {
  it('needs a token while anonymous reads are off', async () => {
    const queries = Object.values((await getSchema()).getQueryType()!.getFields());
    const problems: string[] = [];
    for (const field of queries) {
      const { document, variables } = call('query', field);
      const got = codes(await api.gql(document, variables, { token: null }));
      if (got.join() !== 'UNAUTHENTICATED') problems.push(`${field.name}: ${got.join() || 'no error'}`);
    }
    expect(problems).toEqual([]);
  });
});
