import {
  RegModelLatestDocument,
  RegModelsDocument,
  RegModelsPageDocument,
  RegModelVersionsDocument,
  RegVersionsDocument,
  type RegisteredModelFilter,
  type ModelVersionFilter,
} from './__generated__/graphql';
import { codes, startApi, type TestApi } from './support/api';
import { seeder, setStage } from './support/registry-seed';

let api: TestApi;
let seed: ReturnType<typeof seeder>;

const SPECIAL = ['a%b', 'axb', 'a_b', 'a\\b', 'Abc', 'abc', 'ABx', 'fraud-Detector', 'Fraud_v2', '100%'];

beforeAll(async () => {
  api = await startApi();
  seed = seeder(api);
  for (const name of SPECIAL) await seed.model(name);
  // Tagged models for the tags filter.
  await seed.model('t-both', [
    { key: 'team', value: 'risk' },
    { key: 'tier', value: 'gold' },
  ]);
  await seed.model('t-team', [{ key: 'team', value: 'risk' }]);
  await seed.model('t-other', [
    { key: 'team', value: 'growth' },
    { key: 'tier', value: 'gold' },
  ]);
  // Versions for the stage and version filters.
  await seed.model('s-prod');
  for (let i = 0; i < 4; i++)
    await seed.version('s-prod', { runId: i % 2 ? 'run-odd' : 'run-even', tags: [{ key: 'n', value: String(i + 1) }] });
  await setStage(api, 's-prod', 2, 'PRODUCTION');
  await setStage(api, 's-prod', 3, 'STAGING');
  await seed.model('s-staging');
  await seed.version('s-staging');
  await seed.version('s-staging');
  await setStage(api, 's-staging', 1, 'STAGING');
});
afterAll(() => api.stop());

async function names(filter: RegisteredModelFilter, first = 100): Promise<string[]> {
  const data = await api.data(RegModelsDocument, { filter, first });
  expect(data.registeredModels.totalCount).toBe(data.registeredModels.edges.length);
  return data.registeredModels.edges.map((e) => e.node.name);
}

async function versions(filter: ModelVersionFilter): Promise<string[]> {
  const data = await api.data(RegVersionsDocument, { filter, first: 100 });
  expect(data.modelVersions.totalCount).toBe(data.modelVersions.edges.length);
  return data.modelVersions.edges.map((e) => `${e.node.model.name}/${e.node.version}`);
}

describe('searching registered models by name', () => {
  it('matches nameContains case-insensitively', async () => {
    expect(await names({ nameContains: 'FRAUD' })).toEqual(['Fraud_v2', 'fraud-Detector']);
    expect(await names({ nameContains: 'detector' })).toEqual(['fraud-Detector']);
    expect(await names({ nameContains: 'AB' })).toEqual(['ABx', 'Abc', 'abc']);
  });

  it('treats %, _ and \\ in nameContains as literal characters', async () => {
    expect(await names({ nameContains: '%' })).toEqual(['100%', 'a%b']);
    expect(await names({ nameContains: '_' })).toEqual(['Fraud_v2', 'a_b']);
    expect(await names({ nameContains: '\\' })).toEqual(['a\\b']);
    expect(await names({ nameContains: 'a_b' })).toEqual(['a_b']);
    expect(await names({ nameContains: '0%' })).toEqual(['100%']);
    expect(await names({ nameContains: '\u0001' })).toEqual([]);
  });

  it('matches namePrefix exactly and case-sensitively, with %, _ and \\ literal', async () => {
    expect(await names({ namePrefix: 'Ab' })).toEqual(['Abc']);
    expect(await names({ namePrefix: 'a' })).toEqual(['a%b', 'a\\b', 'a_b', 'abc', 'axb']);
    expect(await names({ namePrefix: 'a_' })).toEqual(['a_b']);
    expect(await names({ namePrefix: 'a%' })).toEqual(['a%b']);
    expect(await names({ namePrefix: 'a\\' })).toEqual(['a\\b']);
    expect(await names({ namePrefix: '%' })).toEqual([]);
    expect(await names({ namePrefix: 'Fraud_' })).toEqual(['Fraud_v2']);
  });

  it('matches name exactly and case-sensitively', async () => {
    expect(await names({ name: 'abc' })).toEqual(['abc']);
    expect(await names({ name: 'ABC' })).toEqual([]);
    expect(await names({ name: 'a_b' })).toEqual(['a_b']);
  });
});

describe('other model filters', () => {
  it('requires every listed tag; a tag without value matches any value', async () => {
    expect(await names({ tags: [{ key: 'team', value: 'risk' }] })).toEqual(['t-both', 't-team']);
    expect(
      await names({
        tags: [
          { key: 'team', value: 'risk' },
          { key: 'tier', value: 'gold' },
        ],
      }),
    ).toEqual(['t-both']);
    expect(await names({ tags: [{ key: 'tier' }] })).toEqual(['t-both', 't-other']);
    expect(await names({ tags: [{ key: 'team' }, { key: 'tier', value: 'silver' }] })).toEqual([]);
  });

  it('finds models with a live version in a stage', async () => {
    expect(await names({ hasVersionInStage: 'PRODUCTION' })).toEqual(['s-prod']);
    expect(await names({ hasVersionInStage: 'STAGING' })).toEqual(['s-prod', 's-staging']);
    expect(await names({ hasVersionInStage: 'ARCHIVED' })).toEqual([]);
  });

  it('ANDs several fields together', async () => {
    expect(await names({ namePrefix: 's-', hasVersionInStage: 'STAGING', nameContains: 'STAG' })).toEqual(['s-staging']);
    expect(await names({ nameContains: 't-', tags: [{ key: 'tier' }] })).toEqual(['t-both', 't-other']);
    expect(await names({ name: 't-team', tags: [{ key: 'tier' }] })).toEqual([]);
  });

  it('refuses a NUL in a search string with BAD_USER_INPUT', async () => {
    expect(codes(await api.gql(RegModelsDocument, { filter: { nameContains: 'a\u0000' } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await api.gql(RegVersionsDocument, { filter: { runId: '\u0000' } }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('ordering models', () => {
  it('defaults to NAME ASC and sorts NAME DESC the other way', async () => {
    const asc = await names({});
    expect(asc).toEqual([...asc].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const desc = (
      await api.data(RegModelsDocument, { orderBy: [{ field: 'NAME', direction: 'DESC' }], first: 100 })
    ).registeredModels.edges.map((e) => e.node.name);
    expect(desc).toEqual([...asc].reverse());
  });

  it('sorts by CREATED_AT and UPDATED_AT both ways, ties broken by id', async () => {
    const created = (
      await api.data(RegModelsDocument, { orderBy: [{ field: 'CREATED_AT', direction: 'ASC' }], first: 100 })
    ).registeredModels.edges.map((e) => e.node.name);
    expect(created.slice(0, SPECIAL.length)).toEqual(SPECIAL);
    const createdDesc = (
      await api.data(RegModelsDocument, { orderBy: [{ field: 'CREATED_AT', direction: 'DESC' }], first: 100 })
    ).registeredModels.edges.map((e) => e.node.name);
    expect(createdDesc).toEqual([...created].reverse());
    const updated = (
      await api.data(RegModelsDocument, {
        orderBy: [
          { field: 'UPDATED_AT', direction: 'DESC' },
          { field: 'NAME', direction: 'ASC' },
        ],
        first: 100,
      })
    ).registeredModels.edges;
    const times = updated.map((e) => Date.parse(e.node.updatedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // s-staging got a version last, so it was updated last.
    expect(updated[0].node.name).toBe('s-staging');
  });

  it('refuses a field given twice', async () => {
    expect(
      codes(
        await api.gql(RegModelsDocument, {
          orderBy: [
            { field: 'NAME', direction: 'ASC' },
            { field: 'NAME', direction: 'DESC' },
          ],
        }),
      ),
    ).toEqual(['BAD_USER_INPUT']);
  });
});

describe('paging arguments', () => {
  it('defaults first to 20 and counts everything matching, ignoring paging', async () => {
    const all = await names({});
    const page = await api.data(RegModelsDocument, {});
    expect(page.registeredModels.edges).toHaveLength(Math.min(20, all.length));
    expect(page.registeredModels.totalCount).toBe(all.length);
    const small = await api.data(RegModelsDocument, { filter: { nameContains: 'a' }, first: 2 });
    expect(small.registeredModels.edges).toHaveLength(2);
    expect(small.registeredModels.totalCount).toBe((await names({ nameContains: 'a' })).length);
    expect(small.registeredModels.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('counts only when totalCount is asked for', async () => {
    // The token, the page; then the count as well.
    expect((await api.gql(RegModelsPageDocument, { first: 5 })).statements).toBe(2);
    expect((await api.gql(RegModelsDocument, { first: 5 })).statements).toBe(3);
  });

  it('accepts first: 0 and refuses -1 and 101 with BAD_USER_INPUT naming the limit', async () => {
    const zero = await api.data(RegModelsDocument, { first: 0 });
    expect(zero.registeredModels.edges).toEqual([]);
    expect(zero.registeredModels.pageInfo.endCursor).toBeNull();
    for (const first of [-1, 101]) {
      const result = await api.gql(RegModelsDocument, { first });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors?.[0].message).toBe(`first must be from 0 to 100, got ${first}`);
      expect(codes(await api.gql(RegVersionsDocument, { first }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await api.gql(RegModelVersionsDocument, { name: 's-prod', first }))).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('refuses a malformed cursor, or one from another list or order, with BAD_USER_INPUT', async () => {
    const models = await api.data(RegModelsDocument, { first: 1 });
    const modelCursor = models.registeredModels.pageInfo.endCursor!;
    const versionsPage = await api.data(RegVersionsDocument, { first: 1 });
    const versionCursor = versionsPage.modelVersions.pageInfo.endCursor!;
    const nested = await api.data(RegModelVersionsDocument, { name: 's-prod', first: 1 });
    const nestedCursor = nested.registeredModel!.versions.pageInfo.endCursor!;
    const refused = [
      await api.gql(RegModelsDocument, { after: 'not a cursor' }),
      await api.gql(RegModelsDocument, { after: Buffer.from('{"s":"RegisteredModel|name:asc","v":[{}, 1]}').toString('base64url') }),
      await api.gql(RegModelsDocument, { after: versionCursor }),
      await api.gql(RegModelsDocument, { after: modelCursor, orderBy: [{ field: 'NAME', direction: 'DESC' }] }),
      await api.gql(RegVersionsDocument, { after: modelCursor }),
      await api.gql(RegVersionsDocument, { after: nestedCursor }),
      await api.gql(RegModelVersionsDocument, { name: 's-staging', after: nestedCursor }),
      await api.gql(RegModelVersionsDocument, { name: 's-prod', after: versionCursor }),
    ];
    expect(refused.map(codes)).toEqual(refused.map(() => ['BAD_USER_INPUT']));
    // The same cursors work where they belong.
    expect(codes(await api.gql(RegModelsDocument, { after: modelCursor }))).toEqual([]);
    expect(codes(await api.gql(RegModelVersionsDocument, { name: 's-prod', after: nestedCursor }))).toEqual([]);
  });
});

describe('searching versions', () => {
  it('defaults to VERSION DESC and filters by model, stage, run, status, tags and version range', async () => {
    expect(await versions({ modelName: 's-prod' })).toEqual(['s-prod/4', 's-prod/3', 's-prod/2', 's-prod/1']);
    expect(await versions({ stages: ['STAGING'] })).toEqual(['s-prod/3', 's-staging/1']);
    expect(await versions({ stages: ['STAGING', 'PRODUCTION'], modelName: 's-prod' })).toEqual(['s-prod/3', 's-prod/2']);
    expect(await versions({ runId: 'run-odd' })).toEqual(['s-prod/4', 's-prod/2']);
    expect(await versions({ status: 'READY', modelName: 's-staging' })).toEqual(['s-staging/2', 's-staging/1']);
    expect(await versions({ status: 'FAILED_REGISTRATION' })).toEqual([]);
    expect(await versions({ tags: [{ key: 'n', value: '3' }] })).toEqual(['s-prod/3']);
    expect(await versions({ tags: [{ key: 'n' }], minVersion: 2, maxVersion: 3 })).toEqual(['s-prod/3', 's-prod/2']);
    expect(await versions({ minVersion: 4 })).toEqual(['s-prod/4']);
    expect(await versions({ minVersion: 3, maxVersion: 2 })).toEqual([]);
  });

  it('orders by VERSION, CREATED_AT and UPDATED_AT both ways', async () => {
    const of = async (orderBy: { field: 'VERSION' | 'CREATED_AT' | 'UPDATED_AT'; direction: 'ASC' | 'DESC' }[]) =>
      (await api.data(RegVersionsDocument, { filter: { modelName: 's-prod' }, orderBy })).modelVersions.edges.map((e) => e.node.version);
    expect(await of([{ field: 'VERSION', direction: 'ASC' }])).toEqual([1, 2, 3, 4]);
    expect(await of([{ field: 'CREATED_AT', direction: 'ASC' }])).toEqual([1, 2, 3, 4]);
    expect(await of([{ field: 'CREATED_AT', direction: 'DESC' }])).toEqual([4, 3, 2, 1]);
    // Stages were set after creation, so 2 and 3 were updated last.
    expect((await of([{ field: 'UPDATED_AT', direction: 'DESC' }])).slice(0, 2)).toEqual([3, 2]);
    expect((await of([{ field: 'UPDATED_AT', direction: 'ASC' }])).slice(2)).toEqual([2, 3]);
  });

  it("pages and filters a model's own versions the same way", async () => {
    const first = await api.data(RegModelVersionsDocument, { name: 's-prod', first: 3 });
    const conn = first.registeredModel!.versions;
    expect(conn.edges.map((e) => e.node.version)).toEqual([4, 3, 2]);
    expect(conn.totalCount).toBe(4);
    expect(conn.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const next = await api.data(RegModelVersionsDocument, { name: 's-prod', first: 3, after: conn.pageInfo.endCursor });
    expect(next.registeredModel!.versions.edges.map((e) => e.node.version)).toEqual([1]);
    expect(next.registeredModel!.versions.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const filtered = await api.data(RegModelVersionsDocument, {
      name: 's-prod',
      filter: { stages: ['NONE'] },
      orderBy: [{ field: 'VERSION', direction: 'ASC' }],
    });
    expect(filtered.registeredModel!.versions.edges.map((e) => e.node.version)).toEqual([1, 4]);
    expect(filtered.registeredModel!.versions.totalCount).toBe(2);
  });
});

describe("a model's first page of versions", () => {
  it('holds the same rows, every field, as the same versions read one by one', async () => {
    const fields = 'id version stage status statusMessage source runId runLink description createdAt updatedAt createdBy';
    for (const order of ['VERSION', 'CREATED_AT', 'UPDATED_AT'] as const) {
      for (const direction of ['ASC', 'DESC'] as const) {
        const nested = await api.data<{ registeredModel: { versions: { edges: { node: { version: number } }[] } } }, unknown>(
          `query { registeredModel(name: "s-prod") { versions(first: 3, orderBy: [{ field: ${order}, direction: ${direction} }]) { edges { node { ${fields} } } } } }`,
        );
        const flat = await api.data<{ modelVersions: { edges: { node: { version: number } }[] } }, unknown>(
          `query { modelVersions(first: 3, filter: { modelName: "s-prod" }, orderBy: [{ field: ${order}, direction: ${direction} }]) { edges { node { ${fields} } } } }`,
        );
        expect(nested.registeredModel.versions.edges).toEqual(flat.modelVersions.edges);
        expect(nested.registeredModel.versions.edges).toHaveLength(3);
      }
    }
  });
});

describe('deleted versions', () => {
  it('never appear in lists, counts, latest versions or stage filters', async () => {
    await seed.model('gone');
    await seed.version('gone');
    await seed.version('gone');
    await setStage(api, 'gone', 2, 'ARCHIVED');
    await api.data('mutation { deleteModelVersion(input: { name: "gone", version: 2 }) { deletedVersion } }');
    expect(await versions({ modelName: 'gone' })).toEqual(['gone/1']);
    const nested = await api.data(RegModelVersionsDocument, { name: 'gone' });
    expect(nested.registeredModel!.versions.edges.map((e) => e.node.version)).toEqual([1]);
    expect(nested.registeredModel!.versions.totalCount).toBe(1);
    expect((await api.data(RegModelLatestDocument, { name: 'gone' })).registeredModel!.latestVersions).toEqual([
      { version: 1, stage: 'NONE' },
    ]);
    expect(await names({ hasVersionInStage: 'ARCHIVED' })).toEqual([]);
    const id = Buffer.from(
      `ModelVersion:${(await api.db.prisma.modelVersion.findFirstOrThrow({ where: { version: 2, model: { name: 'gone' } } })).id}`,
    ).toString('base64url');
    expect((await api.data<{ node: unknown }, { id: string }>('query($id: ID!) { node(id: $id) { id } }', { id })).node).toBeNull();
  });
});
