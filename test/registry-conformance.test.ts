/**
 * Behaviour ported from MLflow's model registry store tests (test_sqlalchemy_store.py):
 * numbering, rename, delete, latest versions, tags, aliases, search and paging.
 */
import {
  RegCreateModelDocument,
  RegCreateVersionDocument,
  RegDeleteAliasDocument,
  RegDeleteModelDocument,
  RegDeleteModelTagDocument,
  RegDeleteVersionDocument,
  RegLogMetricsDocument,
  RegModelDocument,
  RegModelLatestDocument,
  RegModelLookupsDocument,
  RegModelsDocument,
  RegModelsPageDocument,
  RegModelVersionsDocument,
  RegRenameModelDocument,
  RegSetAliasDocument,
  RegSetModelTagDocument,
  RegVersionDocument,
  RegVersionsDocument,
  GovApproveDocument,
  GovRequestTransitionDocument,
  type RegisteredModelFilter,
  type RegisteredModelOrder,
} from './__generated__/graphql';
import { codes, startApi, type TestApi } from './support/api';
import { Role } from '../src/domain/roles';
import { seeder, setStage } from './support/registry-seed';

let api: TestApi;
let seed: ReturnType<typeof seeder>;
beforeAll(async () => {
  api = await startApi();
  seed = seeder(api);
});
afterAll(() => api.stop());

const createVersion = async (name: string) =>
  (await api.data(RegCreateVersionDocument, { input: { name, source: `s3://b/${name}` } })).createModelVersion.modelVersion.version;

describe('version numbers (test_create_model_version, test_delete_model_version)', () => {
  it('never reuses a number: after deleting v3 of 3 the next is 4', async () => {
    await seed.model('num');
    expect([await createVersion('num'), await createVersion('num'), await createVersion('num')]).toEqual([1, 2, 3]);
    await api.data(RegDeleteVersionDocument, { input: { name: 'num', version: 3 } });
    expect(await createVersion('num')).toBe(4);
    await api.data(RegDeleteVersionDocument, { input: { name: 'num', version: 1 } });
    await api.data(RegDeleteVersionDocument, { input: { name: 'num', version: 4 } });
    expect(await createVersion('num')).toBe(5);
    const listed = await api.data(RegModelVersionsDocument, { name: 'num' });
    expect(listed.registeredModel!.versions.edges.map((e) => e.node.version)).toEqual([5, 2]);
  });

  it('starts again at 1 when a deleted model is created again', async () => {
    await seed.model('again');
    await createVersion('again');
    await createVersion('again');
    await api.data(RegDeleteModelDocument, { input: { name: 'again' } });
    await api.data(RegCreateModelDocument, { input: { name: 'again' } });
    expect(await createVersion('again')).toBe(1);
    expect((await api.data(RegVersionDocument, { name: 'again', version: 2 })).modelVersion).toBeNull();
  });

  it('gives 10 versions created at once the distinct numbers 1 to 10', async () => {
    await seed.model('race');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api.gql(RegCreateVersionDocument, { input: { name: 'race', source: `s3://b/${i}` } })),
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(results.map((r) => r.data!.createModelVersion.modelVersion.version).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(await createVersion('race')).toBe(11);
  });
});

describe('rename (test_rename_registered_model)', () => {
  it('moves versions, tags and aliases to the new name; the old name looks up as null', async () => {
    const model = await seed.model('before', [{ key: 'k', value: 'v' }]);
    await seed.version('before', { tags: [{ key: 'vt', value: '1' }] });
    await seed.version('before');
    await seed.alias('before', 'champion', 2);
    const renamed = (await api.data(RegRenameModelDocument, { input: { name: 'before', newName: 'after' } })).renameRegisteredModel
      .registeredModel;
    expect(renamed).toMatchObject({
      name: 'after',
      tags: [{ key: 'k', value: 'v' }],
      aliases: [{ alias: 'champion', version: { version: 2 } }],
    });
    expect((await api.data(RegModelDocument, { name: 'before' })).registeredModel).toBeNull();
    expect((await api.data(RegModelDocument, { name: 'after' })).registeredModel?.id).toBe(renamed.id);
    expect((await api.data(RegVersionDocument, { name: 'after', version: 1 })).modelVersion).toMatchObject({
      tags: [{ key: 'vt', value: '1' }],
      model: { name: 'after' },
    });
    expect((await api.data(RegVersionDocument, { name: 'after', alias: 'champion' })).modelVersion?.version).toBe(2);
    expect((await api.data(RegVersionDocument, { name: 'before', version: 1 })).modelVersion).toBeNull();
    expect((await api.data(RegVersionsDocument, { filter: { modelName: 'after' } })).modelVersions.totalCount).toBe(2);
    expect((await api.data(RegModelsDocument, { filter: { nameContains: 'before' } })).registeredModels.totalCount).toBe(0);
    expect((await api.data(RegModelsDocument, { filter: { nameContains: 'AFTER' } })).registeredModels.totalCount).toBe(1);
    expect(await createVersion('after')).toBe(3);
    expect(model.id).toBeGreaterThan(0);
  });
});

describe('latest versions (test_get_latest_versions)', () => {
  it('gives the highest-numbered version per stage, ordered NONE, STAGING, PRODUCTION, ARCHIVED', async () => {
    await seed.model('latest');
    for (let i = 0; i < 7; i++) await seed.version('latest');
    await setStage(api, 'latest', 1, 'ARCHIVED');
    await setStage(api, 'latest', 2, 'PRODUCTION');
    await setStage(api, 'latest', 3, 'ARCHIVED');
    await setStage(api, 'latest', 4, 'PRODUCTION');
    await setStage(api, 'latest', 5, 'STAGING');
    // 6 and 7 stay in NONE.
    const latest = async (stages?: ('NONE' | 'STAGING' | 'PRODUCTION' | 'ARCHIVED')[]) =>
      (await api.data(RegModelLatestDocument, { name: 'latest', stages })).registeredModel!.latestVersions.map(
        (v) => `${v.stage}:${v.version}`,
      );
    expect(await latest()).toEqual(['NONE:7', 'STAGING:5', 'PRODUCTION:4', 'ARCHIVED:3']);
    expect(await latest([])).toEqual(['NONE:7', 'STAGING:5', 'PRODUCTION:4', 'ARCHIVED:3']);
    expect(await latest(['ARCHIVED', 'PRODUCTION'])).toEqual(['PRODUCTION:4', 'ARCHIVED:3']);
    await api.data(RegDeleteVersionDocument, { input: { name: 'latest', version: 7 } });
    await setStage(api, 'latest', 5, 'NONE');
    expect(await latest()).toEqual(['NONE:6', 'PRODUCTION:4', 'ARCHIVED:3']);
    expect(await latest(['STAGING'])).toEqual([]);
  });
});

describe('tags (test_set_registered_model_tag, test_delete_registered_model_tag)', () => {
  it('upserts by key, and deleting a missing tag succeeds', async () => {
    await seed.model('tagged');
    for (const [key, value] of [
      ['a', '1'],
      ['b', '2'],
      ['a', '3'],
    ])
      await api.data(RegSetModelTagDocument, { input: { name: 'tagged', key, value } });
    expect((await api.data(RegModelDocument, { name: 'tagged' })).registeredModel?.tags).toEqual([
      { key: 'a', value: '3' },
      { key: 'b', value: '2' },
    ]);
    await api.data(RegDeleteModelTagDocument, { input: { name: 'tagged', key: 'a' } });
    const again = await api.gql(RegDeleteModelTagDocument, { input: { name: 'tagged', key: 'a' } });
    expect(again.errors).toBeUndefined();
    expect(again.data!.deleteRegisteredModelTag.registeredModel.tags).toEqual([{ key: 'b', value: '2' }]);
  });

  it('lets concurrent writers of one tag and one metric all succeed, the value being one of theirs', async () => {
    await seed.model('busy');
    await seed.version('busy');
    const tags = await Promise.all(
      Array.from({ length: 8 }, (_, i) => api.gql(RegSetModelTagDocument, { input: { name: 'busy', key: 'k', value: String(i) } })),
    );
    expect(tags.flatMap((r) => r.errors ?? [])).toEqual([]);
    const metrics = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api.gql(RegLogMetricsDocument, { input: { name: 'busy', version: 1, metrics: [{ key: 'm', value: i }] } }),
      ),
    );
    expect(metrics.flatMap((r) => r.errors ?? [])).toEqual([]);
    const version = (await api.data(RegVersionDocument, { name: 'busy', version: 1 })).modelVersion!;
    expect(version.metrics).toHaveLength(1);
  });
});

describe('aliases (test_set_registered_model_alias, test_delete_model_version_deletes_alias)', () => {
  it('moves an alias, and removes it with its version', async () => {
    await seed.model('aliased');
    for (let i = 0; i < 3; i++) await seed.version('aliased');
    await api.data(RegSetAliasDocument, { input: { name: 'aliased', alias: 'champion', version: 1 } });
    await api.data(RegSetAliasDocument, { input: { name: 'aliased', alias: 'challenger', version: 2 } });
    await api.data(RegSetAliasDocument, { input: { name: 'aliased', alias: 'champion', version: 2 } });
    expect((await api.data(RegVersionDocument, { name: 'aliased', version: 2 })).modelVersion?.aliases).toEqual(['challenger', 'champion']);
    expect((await api.data(RegVersionDocument, { name: 'aliased', version: 1 })).modelVersion?.aliases).toEqual([]);
    await api.data(RegDeleteVersionDocument, { input: { name: 'aliased', version: 2 } });
    expect((await api.data(RegModelDocument, { name: 'aliased' })).registeredModel?.aliases).toEqual([]);
    expect((await api.data(RegModelLookupsDocument, { name: 'aliased', number: 3, alias: 'champion' })).registeredModel).toEqual({
      version: { version: 3 },
      versionByAlias: null,
    });
    // The alias name is free again.
    await api.data(RegSetAliasDocument, { input: { name: 'aliased', alias: 'champion', version: 3 } });
    expect(
      (await api.data(RegModelLookupsDocument, { name: 'aliased', number: 1, alias: 'champion' })).registeredModel?.versionByAlias,
    ).toEqual({ version: 3 });
    await api.data(RegDeleteAliasDocument, { input: { name: 'aliased', alias: 'champion' } });
    expect((await api.data(RegVersionDocument, { name: 'aliased', alias: 'champion' })).modelVersion).toBeNull();
  });
});

describe('search and paging (test_search_registered_models, test_search_registered_model_pagination)', () => {
  const PREFIX = 'page-';
  const all: string[] = [];

  beforeAll(async () => {
    // Created in an order unlike name order, so that the orders differ.
    for (let i = 0; i < 50; i++) {
      const name = `${PREFIX}${String((i * 37) % 50).padStart(2, '0')}`;
      await seed.model(name, i % 2 ? [{ key: 'parity', value: 'odd' }] : []);
      all.push(name);
    }
  });

  async function pageThrough(
    size: number,
    orderBy?: RegisteredModelOrder[],
    filter: RegisteredModelFilter | null = { namePrefix: PREFIX },
  ): Promise<string[]> {
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 100; guard++) {
      const page: Awaited<ReturnType<typeof readPage>> = await readPage(size, after, orderBy, filter);
      seen.push(...page.registeredModels.edges.map((e) => e.node.name));
      if (!page.registeredModels.pageInfo.hasNextPage) return seen;
      after = page.registeredModels.pageInfo.endCursor;
    }
    throw new Error('paging did not end');
  }
  const readPage = (
    first: number,
    after: string | null,
    orderBy?: RegisteredModelOrder[],
    filter: RegisteredModelFilter | null = { namePrefix: PREFIX },
  ) => api.data(RegModelsPageDocument, { filter, first, after, orderBy });

  it.each([1, 7, 20])('pages through 50 models %i at a time, nothing repeated or skipped', async (size) => {
    expect(await pageThrough(size)).toEqual([...all].sort());
    expect(await pageThrough(size, [{ field: 'NAME', direction: 'DESC' }])).toEqual([...all].sort().reverse());
    expect(await pageThrough(size, [{ field: 'CREATED_AT', direction: 'ASC' }])).toEqual(all);
    // Models created in the same millisecond tie on UPDATED_AT: NAME, then id, decide.
    const byUpdate: RegisteredModelOrder[] = [
      { field: 'UPDATED_AT', direction: 'DESC' },
      { field: 'NAME', direction: 'ASC' },
    ];
    const onePage = (
      await api.data(RegModelsDocument, { filter: { namePrefix: PREFIX }, first: 100, orderBy: byUpdate })
    ).registeredModels.edges.map((e) => e.node);
    const times = onePage.map((n) => Date.parse(n.updatedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(await pageThrough(size, byUpdate)).toEqual(onePage.map((n) => n.name));
  });

  it.each([1, 7, 20])('pages every model %i at a time as a filtered list does (the unfiltered page is hand-written)', async (size) => {
    const orders: (RegisteredModelOrder[] | undefined)[] = [
      undefined,
      [{ field: 'NAME', direction: 'DESC' }],
      [{ field: 'CREATED_AT', direction: 'ASC' }],
      [
        { field: 'UPDATED_AT', direction: 'DESC' },
        { field: 'NAME', direction: 'ASC' },
      ],
    ];
    for (const orderBy of orders) {
      const unfiltered = await pageThrough(size, orderBy, null);
      // An empty prefix matches every name but goes through Prisma's client.
      expect(unfiltered).toEqual(await pageThrough(size, orderBy, { namePrefix: '' }));
      expect(unfiltered.filter((name) => name.startsWith(PREFIX))).toEqual(await pageThrough(size, orderBy));
    }
  });

  it('pages 50 versions of one model 7 at a time, nothing repeated or skipped', async () => {
    await seed.model('many');
    for (let i = 0; i < 50; i++) await seed.version('many');
    const seen: number[] = [];
    let after: string | null | undefined;
    do {
      const page = (
        await api.data(RegModelVersionsDocument, { name: 'many', first: 7, after, orderBy: [{ field: 'CREATED_AT', direction: 'ASC' }] })
      ).registeredModel!.versions;
      expect(page.totalCount).toBe(50);
      seen.push(...page.edges.map((e) => e.node.version));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : undefined;
    } while (after);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('keeps its place while models are created between pages', async () => {
    const first = await readPage(10, null);
    const names = first.registeredModels.edges.map((e) => e.node.name);
    expect(names).toEqual([...all].sort().slice(0, 10));
    // One that sorts before the cursor (must not shift the next page) and one inside the next page.
    await seed.model(`${PREFIX}00a`);
    await seed.model(`${PREFIX}10a`);
    const second = await readPage(10, first.registeredModels.pageInfo.endCursor);
    expect(second.registeredModels.edges.map((e) => e.node.name)).toEqual(['page-10', 'page-10a', ...[...all].sort().slice(11, 19)]);
    await api.data(RegDeleteModelDocument, { input: { name: `${PREFIX}00a` } });
    await api.data(RegDeleteModelDocument, { input: { name: `${PREFIX}10a` } });
  });

  it('filters by tag and name together', async () => {
    const odd = await api.data(RegModelsDocument, { filter: { namePrefix: PREFIX, tags: [{ key: 'parity', value: 'odd' }] }, first: 100 });
    expect(odd.registeredModels.totalCount).toBe(25);
    expect(odd.registeredModels.edges.map((e) => e.node.name)).toEqual(all.filter((_, i) => i % 2).sort());
  });
});

describe('deletes racing governance', () => {
  it('deleting a version while its request is approved ends consistently, never with an internal error', async () => {
    const approver = await api.token('racing-approver', [Role.APPROVER]);
    for (let round = 0; round < 5; round++) {
      const name = `race-del-${round}`;
      await seed.model(name);
      await seed.version(name);
      const requested = await api.data(GovRequestTransitionDocument, { input: { name, version: 1, toStage: 'STAGING' } });
      const id = requested.requestStageTransition.transitionRequest.id;
      const [approved, deleted] = await Promise.all([
        api.gql(GovApproveDocument, { input: { id } }, { token: approver }),
        api.gql(RegDeleteVersionDocument, { input: { name, version: 1 } }),
      ]);
      expect(codes(deleted)).toEqual([]);
      const request = await api.db.prisma.transitionRequest.findFirstOrThrow({ where: { version: { model: { name } } } });
      if (codes(approved).length === 0) {
        expect(request.status).toBe('APPROVED');
      } else {
        expect(codes(approved)).toEqual([expect.stringMatching(/^(NOT_FOUND|CONFLICT)$/)]);
        expect(request.status).toBe('CANCELLED');
      }
      expect((await api.data(RegVersionDocument, { name, version: 1 })).modelVersion).toBeNull();
    }
  });
});

describe('writes racing a model delete', () => {
  it('either land before the delete or find nothing (NOT_FOUND), never an internal error', async () => {
    for (let round = 0; round < 10; round++) {
      const name = `vanish-${round}`;
      await seed.model(name);
      await seed.version(name);
      const results = await Promise.all([
        api.gql(RegCreateVersionDocument, { input: { name, source: 's3://b/x' } }),
        api.gql(RegSetModelTagDocument, { input: { name, key: 'k', value: 'v' } }),
        api.gql(RegSetAliasDocument, { input: { name, alias: 'a', version: 1 } }),
        api.gql(RegLogMetricsDocument, { input: { name, version: 1, metrics: [{ key: 'm', value: 1 }] } }),
        api.gql(RegDeleteModelDocument, { input: { name } }),
        api.gql(RegRenameModelDocument, { input: { name, newName: `${name}-renamed` } }),
      ]);
      for (const result of results) expect(codes(result).filter((c) => c !== 'NOT_FOUND')).toEqual([]);
    }
  });
});
