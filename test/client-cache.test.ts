import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CacheAuditDocument,
  CacheDeleteModelDocument,
  CacheDeleteVersionDocument,
  CacheModelIdsDocument,
  CacheModelRequestsDocument,
  CacheNodesDocument,
  CacheRequestsDocument,
  CacheRevokeKeyDocument,
  GovCreateApiKeyDocument,
} from './__generated__/graphql';
import { model, request } from './governance-fixtures';
import { codes, startApi, type TestApi } from './support/api';
import { Role } from '../src/domain/roles';

// A dashboard on Apollo Client or Relay keeps a normalized cache: it must be able to drop what a
// mutation deleted, refetch many objects by id at once, and list in the order it shows.
let api: TestApi;
beforeAll(async () => {
  api = await startApi();
  await model(api, 'cache-a', 3);
  await model(api, 'cache-b', 1);
  await model(api, 'cache-c', 1);
});
afterAll(() => api?.stop());

async function ids(): Promise<Record<string, { id: string; versions: Record<number, string> }>> {
  const data = await api.data(CacheModelIdsDocument);
  return Object.fromEntries(
    data.registeredModels.edges.map(({ node }) => [
      node.name,
      { id: node.id, versions: Object.fromEntries(node.versions.edges.map((e) => [e.node.version, e.node.id])) },
    ]),
  );
}

describe('delete payloads carry the global id of what they deleted', () => {
  it('deleteModelVersion: deletedId is the id the version had, and node() no longer finds it', async () => {
    const before = await ids();
    const deleted = await api.data(CacheDeleteVersionDocument, { input: { name: 'cache-a', version: 3 } });
    expect(deleted.deleteModelVersion).toEqual({ deletedId: before['cache-a'].versions[3], deletedVersion: 3 });
    expect((await api.data(CacheNodesDocument, { ids: [deleted.deleteModelVersion.deletedId] })).nodes).toEqual([null]);
  });

  it('deleteRegisteredModel: deletedId is the id the model had', async () => {
    const before = await ids();
    const deleted = await api.data(CacheDeleteModelDocument, { input: { name: 'cache-c' } });
    expect(deleted.deleteRegisteredModel).toEqual({ deletedId: before['cache-c'].id, deletedName: 'cache-c' });
  });

  it('revokeApiKey: revokedId is the id of the key’s principal', async () => {
    const created = await api.data(GovCreateApiKeyDocument, { input: { name: 'cache-bot', roles: [Role.VIEWER] } });
    const revoked = await api.data(CacheRevokeKeyDocument, { input: { name: 'cache-bot' } });
    expect(revoked.revokeApiKey).toEqual({ revokedId: created.createApiKey.principal.id, revokedName: 'cache-bot' });
  });
});

describe('nodes(ids)', () => {
  it('returns each id’s object in the order asked, null for unknown or malformed ids, batched per type', async () => {
    const known = await ids();
    const one = await api.gql(CacheNodesDocument, { ids: [known['cache-a'].id] });
    const asked = [
      known['cache-b'].id,
      known['cache-a'].versions[2],
      'bm90LWFuLWlk',
      known['cache-a'].id,
      known['cache-a'].versions[1],
      known['cache-b'].versions[1],
      'garbage!',
    ];
    const many = await api.gql(CacheNodesDocument, { ids: asked });
    expect(codes(many)).toEqual([]);
    expect(many.data!.nodes).toEqual([
      { __typename: 'RegisteredModel', id: known['cache-b'].id, name: 'cache-b' },
      { __typename: 'ModelVersion', id: known['cache-a'].versions[2], version: 2 },
      null,
      { __typename: 'RegisteredModel', id: known['cache-a'].id, name: 'cache-a' },
      { __typename: 'ModelVersion', id: known['cache-a'].versions[1], version: 1 },
      { __typename: 'ModelVersion', id: known['cache-b'].versions[1], version: 1 },
      null,
    ]);
    // Two models and three versions: one statement per type, not one per id.
    expect(many.statements).toBe(one.statements + 1);
  });

  it('refuses more than 100 ids with BAD_USER_INPUT naming the field', async () => {
    const result = await api.gql(CacheNodesDocument, { ids: Array.from({ length: 101 }, (_, i) => `id${i}`) });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0].extensions).toMatchObject({ field: 'ids', max: 100 });
    expect(codes(await api.gql(CacheNodesDocument, { ids: Array.from({ length: 100 }, (_, i) => `id${i}`) }))).toEqual([]);
  });
});

describe('orderBy on the top-level lists', () => {
  beforeAll(async () => {
    const zed = await api.token('zed-bot', [Role.CONTRIBUTOR]);
    const amy = await api.token('amy-bot', [Role.CONTRIBUTOR]);
    await request(api, zed, 'cache-a', 1, 'STAGING');
    await request(api, amy, 'cache-a', 2, 'STAGING');
    await request(api, zed, 'cache-b', 1, 'STAGING');
  });

  it('lists transition requests oldest first with CREATED_AT ASC, pages it with cursors of that order', async () => {
    const newest = (await api.data(CacheRequestsDocument, {})).transitionRequests.edges.map((e) => e.node.id);
    expect(newest).toHaveLength(3);
    const first = await api.data(CacheRequestsDocument, { orderBy: [{ field: 'CREATED_AT', direction: 'ASC' }], first: 2 });
    const rest = await api.data(CacheRequestsDocument, {
      orderBy: [{ field: 'CREATED_AT', direction: 'ASC' }],
      first: 2,
      after: first.transitionRequests.pageInfo.endCursor,
    });
    const oldest = [...first.transitionRequests.edges, ...rest.transitionRequests.edges].map((e) => e.node.id);
    expect(oldest).toEqual([...newest].reverse());
    expect(rest.transitionRequests.pageInfo.hasNextPage).toBe(false);
  });

  it('sorts transition requests by REQUESTED_BY, and refuses a cursor of another order', async () => {
    const byRequester = await api.data(CacheRequestsDocument, {
      orderBy: [
        { field: 'REQUESTED_BY', direction: 'ASC' },
        { field: 'CREATED_AT', direction: 'DESC' },
      ],
    });
    expect(byRequester.transitionRequests.edges.map((e) => e.node.requestedBy)).toEqual(['amy-bot', 'zed-bot', 'zed-bot']);
    const newestPage = await api.data(CacheRequestsDocument, { first: 1 });
    const mixed = await api.gql(CacheRequestsDocument, {
      orderBy: [{ field: 'CREATED_AT', direction: 'ASC' }],
      after: newestPage.transitionRequests.pageInfo.endCursor,
    });
    expect(codes(mixed)).toEqual(['BAD_USER_INPUT']);
  });

  it("orders a model's own transitionRequests too, paging in that order, with the default cursors unchanged", async () => {
    const byRequester = await api.data(CacheModelRequestsDocument, {
      name: 'cache-a',
      orderBy: [{ field: 'REQUESTED_BY', direction: 'DESC' }],
      first: 1,
    });
    const page1 = byRequester.registeredModel!.transitionRequests;
    expect(page1.edges.map((e) => e.node.requestedBy)).toEqual(['zed-bot']);
    const page2 = (
      await api.data(CacheModelRequestsDocument, {
        name: 'cache-a',
        orderBy: [{ field: 'REQUESTED_BY', direction: 'DESC' }],
        first: 1,
        after: page1.pageInfo.endCursor,
      })
    ).registeredModel!.transitionRequests;
    expect(page2.edges.map((e) => e.node.requestedBy)).toEqual(['amy-bot']);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const newest = (await api.data(CacheModelRequestsDocument, { name: 'cache-a' })).registeredModel!.transitionRequests.edges;
    const oldest = (await api.data(CacheModelRequestsDocument, { name: 'cache-a', orderBy: [{ field: 'CREATED_AT', direction: 'ASC' }] }))
      .registeredModel!.transitionRequests.edges;
    expect(oldest.map((e) => e.node.id)).toEqual(newest.map((e) => e.node.id).reverse());
  });

  it('sorts audit events by ACTOR, then by time, and oldest first with AT ASC', async () => {
    const filter = { actions: ['TRANSITION_REQUESTED'] };
    const byActor = await api.data(CacheAuditDocument, {
      filter,
      orderBy: [
        { field: 'ACTOR', direction: 'DESC' },
        { field: 'AT', direction: 'ASC' },
      ],
    });
    expect(byActor.auditEvents.edges.map((e) => e.node.actor)).toEqual(['zed-bot', 'zed-bot', 'amy-bot']);
    const all = (await api.data(CacheAuditDocument, { first: 100 })).auditEvents.edges.map((e) => e.node.id);
    const oldest = (await api.data(CacheAuditDocument, { first: 100, orderBy: [{ field: 'AT', direction: 'ASC' }] })).auditEvents.edges.map(
      (e) => e.node.id,
    );
    expect(oldest).toEqual([...all].reverse());
    expect(
      codes(
        await api.gql(CacheAuditDocument, {
          orderBy: [
            { field: 'AT', direction: 'ASC' },
            { field: 'AT', direction: 'DESC' },
          ],
        }),
      ),
    ).toEqual(['BAD_USER_INPUT']);
  });
});

describe('possible-types.json', () => {
  it('lists exactly the types the served schema says implement Node (rerun `npm run codegen` when it fails)', async () => {
    const shipped = JSON.parse(readFileSync(join(__dirname, '..', 'possible-types.json'), 'utf8'));
    const served = await api.data<{ __type: { possibleTypes: { name: string }[] } }, object>(
      '{ __type(name: "Node") { possibleTypes { name } } }',
    );
    expect(shipped).toEqual({ possibleTypes: { Node: served.__type.possibleTypes.map((t) => t.name).sort() } });
  });
});
