import {
  RegCreateModelDocument,
  RegDeleteModelDocument,
  RegDeleteModelTagDocument,
  RegModelDocument,
  RegRenameModelDocument,
  RegSetModelTagDocument,
  RegUpdateModelDocument,
} from './__generated__/graphql';
import { codes, startApi, type TestApi } from './support/api';
import { auditOf, expectRefused, seeder, setStage } from './support/registry-seed';
import { Role } from '../src/domain/roles';

let api: TestApi;
let seed: ReturnType<typeof seeder>;
beforeAll(async () => {
  api = await startApi();
  seed = seeder(api);
});
afterAll(() => api.stop());

const readModel = (name: string) => async () => (await api.data(RegModelDocument, { name })).registeredModel;

describe('creating a registered model', () => {
  it('records its creator, description, tags and a MODEL_CREATED event', async () => {
    const contributor = await api.token('alice', [Role.CONTRIBUTOR]);
    const created = await api.data(
      RegCreateModelDocument,
      { input: { name: 'churn', description: 'Who leaves', tags: [{ key: 'team', value: 'growth' }] } },
      { token: contributor },
    );
    expect(created.createRegisteredModel.registeredModel).toMatchObject({
      name: 'churn',
      description: 'Who leaves',
      createdBy: 'alice',
      tags: [{ key: 'team', value: 'growth' }],
      aliases: [],
    });
    const events = await auditOf(api, 'churn');
    expect(events.map((e) => [e.action, e.actor])).toEqual([['MODEL_CREATED', 'alice']]);
    expect(JSON.parse(events[0].details)).toEqual({ description: 'Who leaves', tags: [{ key: 'team', value: 'growth' }] });
  });

  it.each([
    ['empty name', { name: '' }, 'name must be 1 to 256 characters'],
    ['long name', { name: 'n'.repeat(257) }, 'name must be 1 to 256 characters'],
    ['outer space', { name: ' padded' }, 'white space'],
    ['control character', { name: 'a\u0007b' }, 'control characters'],
    ['bad tag key', { name: 'ok-name', tags: [{ key: 'bad key!', value: 'v' }] }, 'tags.key'],
    ['long tag value', { name: 'ok-name', tags: [{ key: 'k', value: 'v'.repeat(5001) }] }, 'tags.value must be at most 5000'],
    [
      'duplicate tag keys',
      {
        name: 'ok-name',
        tags: [
          { key: 'k', value: '1' },
          { key: 'k', value: '2' },
        ],
      },
      'more than once',
    ],
    ['long description', { name: 'ok-name', description: 'd'.repeat(5001) }, 'description must be at most 5000'],
  ])('refuses %s with BAD_USER_INPUT naming the field, creating nothing', async (_, input, message) => {
    const result = await expectRefused(api, 'BAD_USER_INPUT', () => api.gql(RegCreateModelDocument, { input }), readModel(input.name));
    expect(result.errors?.[0].message).toContain(message);
  });

  it('refuses a name that exists with ALREADY_EXISTS; names are case-sensitive', async () => {
    await seed.model('Dup');
    await expectRefused(
      api,
      'ALREADY_EXISTS',
      () => api.gql(RegCreateModelDocument, { input: { name: 'Dup', description: 'x' } }),
      readModel('Dup'),
    );
    expect((await api.data(RegCreateModelDocument, { input: { name: 'dup' } })).createRegisteredModel.registeredModel.name).toBe('dup');
  });

  it('needs CONTRIBUTOR: a VIEWER gets FORBIDDEN', async () => {
    const viewer = await api.token('viewer-1', [Role.VIEWER]);
    await expectRefused(
      api,
      'FORBIDDEN',
      () => api.gql(RegCreateModelDocument, { input: { name: 'by-viewer' } }, { token: viewer }),
      readModel('by-viewer'),
    );
  });
});

describe('updating a registered model', () => {
  it('sets and clears the description, moves updatedAt, keeps it when omitted', async () => {
    const model = await seed.model('upd', [], 'first');
    const updated = (await api.data(RegUpdateModelDocument, { input: { name: 'upd', description: 'second' } })).updateRegisteredModel
      .registeredModel;
    expect(updated.description).toBe('second');
    expect(new Date(updated.updatedAt).getTime()).toBeGreaterThanOrEqual(model.updatedAt.getTime());
    expect((await api.data(RegUpdateModelDocument, { input: { name: 'upd' } })).updateRegisteredModel.registeredModel.description).toBe(
      'second',
    );
    expect(
      (await api.data(RegUpdateModelDocument, { input: { name: 'upd', description: null } })).updateRegisteredModel.registeredModel
        .description,
    ).toBeNull();
    expect((await auditOf(api, 'upd')).map((e) => e.action)).toEqual(['MODEL_CREATED', 'MODEL_UPDATED', 'MODEL_UPDATED']);
  });

  it('answers a missing model with NOT_FOUND and a bad description with BAD_USER_INPUT', async () => {
    await expectRefused(
      api,
      'NOT_FOUND',
      () => api.gql(RegUpdateModelDocument, { input: { name: 'ghost', description: 'x' } }),
      readModel('ghost'),
    );
    await seed.model('upd2', [], 'keep');
    await expectRefused(
      api,
      'BAD_USER_INPUT',
      () => api.gql(RegUpdateModelDocument, { input: { name: 'upd2', description: 'a\u0000' } }),
      readModel('upd2'),
    );
  });
});

describe('renaming a registered model', () => {
  it('refuses a taken name with ALREADY_EXISTS and an invalid one with BAD_USER_INPUT', async () => {
    await seed.model('ren-a');
    await seed.model('ren-b');
    await expectRefused(
      api,
      'ALREADY_EXISTS',
      () => api.gql(RegRenameModelDocument, { input: { name: 'ren-a', newName: 'ren-b' } }),
      readModel('ren-a'),
    );
    const bad = await expectRefused(
      api,
      'BAD_USER_INPUT',
      () => api.gql(RegRenameModelDocument, { input: { name: 'ren-a', newName: 'tab\t' } }),
      readModel('ren-a'),
    );
    expect(bad.errors?.[0].message).toContain('newName');
    await expectRefused(
      api,
      'NOT_FOUND',
      () => api.gql(RegRenameModelDocument, { input: { name: 'ren-ghost', newName: 'ren-c' } }),
      readModel('ren-c'),
    );
  });

  it('records MODEL_RENAMED under the new name with the old one in its details', async () => {
    await seed.model('ren-old');
    await api.data(RegRenameModelDocument, { input: { name: 'ren-old', newName: 'ren-new' } });
    const [event] = await auditOf(api, 'ren-new');
    expect(event.action).toBe('MODEL_RENAMED');
    expect(JSON.parse(event.details)).toEqual({ oldName: 'ren-old', newName: 'ren-new' });
    expect((await auditOf(api, 'ren-old')).map((e) => e.action)).toEqual(['MODEL_CREATED']);
  });
});

describe('deleting a registered model', () => {
  it('needs ADMIN: a CONTRIBUTOR gets FORBIDDEN', async () => {
    await seed.model('del-forbidden');
    const contributor = await api.token('contrib-del', [Role.CONTRIBUTOR]);
    await expectRefused(
      api,
      'FORBIDDEN',
      () => api.gql(RegDeleteModelDocument, { input: { name: 'del-forbidden' } }, { token: contributor }),
      readModel('del-forbidden'),
    );
  });

  it('is refused with CONFLICT while a version is in PRODUCTION, and then changes nothing', async () => {
    await seed.model('del-prod', [{ key: 't', value: '1' }]);
    await seed.version('del-prod');
    await seed.version('del-prod');
    await seed.alias('del-prod', 'champion', 2);
    await setStage(api, 'del-prod', 2, 'PRODUCTION');
    await expectRefused(api, 'CONFLICT', () => api.gql(RegDeleteModelDocument, { input: { name: 'del-prod' } }), readModel('del-prod'));
    await setStage(api, 'del-prod', 2, 'ARCHIVED');
    expect((await api.data(RegDeleteModelDocument, { input: { name: 'del-prod' } })).deleteRegisteredModel.deletedName).toBe('del-prod');
  });

  it('removes the model with its versions, tags and aliases; its audit events stay', async () => {
    const model = await seed.model('del-all', [{ key: 'k', value: 'v' }]);
    const v1 = await seed.version('del-all', { tags: [{ key: 'a', value: 'b' }], metrics: [{ key: 'm', value: 1 }] });
    await seed.alias('del-all', 'prod', 1);
    await api.data(RegDeleteModelDocument, { input: { name: 'del-all' } });
    expect(await readModel('del-all')()).toBeNull();
    const p = api.db.prisma;
    expect(await p.modelVersion.count({ where: { modelId: model.id } })).toBe(0);
    expect(await p.modelTag.count({ where: { modelId: model.id } })).toBe(0);
    expect(await p.modelAlias.count({ where: { modelId: model.id } })).toBe(0);
    expect(await p.versionTag.count({ where: { versionId: v1.id } })).toBe(0);
    expect(await p.versionMetric.count({ where: { versionId: v1.id } })).toBe(0);
    expect((await auditOf(api, 'del-all')).map((e) => e.action)).toEqual([
      'MODEL_CREATED',
      'VERSION_CREATED',
      'ALIAS_SET',
      'MODEL_DELETED',
    ]);
  });

  it('answers a missing model with NOT_FOUND', async () => {
    const result = await api.gql(RegDeleteModelDocument, { input: { name: 'never-was' } });
    expect(codes(result)).toEqual(['NOT_FOUND']);
  });
});

describe('model tags', () => {
  it('sets, replaces and deletes tags; deleting a missing tag succeeds and records nothing', async () => {
    await seed.model('tags');
    await api.data(RegSetModelTagDocument, { input: { name: 'tags', key: 'owner', value: 'a' } });
    const replaced = await api.data(RegSetModelTagDocument, { input: { name: 'tags', key: 'owner', value: 'b' } });
    expect(replaced.setRegisteredModelTag.registeredModel.tags).toEqual([{ key: 'owner', value: 'b' }]);
    const deleted = await api.data(RegDeleteModelTagDocument, { input: { name: 'tags', key: 'owner' } });
    expect(deleted.deleteRegisteredModelTag.registeredModel.tags).toEqual([]);
    const audits = await api.db.prisma.auditEvent.count();
    await api.data(RegDeleteModelTagDocument, { input: { name: 'tags', key: 'owner' } });
    expect(await api.db.prisma.auditEvent.count()).toBe(audits);
    expect((await auditOf(api, 'tags')).map((e) => e.action)).toEqual(['MODEL_CREATED', 'TAG_SET', 'TAG_SET', 'TAG_DELETED']);
  });

  it('refuses bad keys and values with BAD_USER_INPUT and a missing model with NOT_FOUND', async () => {
    await seed.model('tags-bad', [{ key: 'keep', value: 'me' }]);
    const long = await expectRefused(
      api,
      'BAD_USER_INPUT',
      () => api.gql(RegSetModelTagDocument, { input: { name: 'tags-bad', key: 'k'.repeat(251), value: 'v' } }),
      readModel('tags-bad'),
    );
    expect(long.errors?.[0].message).toBe('key must be 1 to 250 characters, got 251');
    await expectRefused(
      api,
      'BAD_USER_INPUT',
      () => api.gql(RegSetModelTagDocument, { input: { name: 'tags-bad', key: 'k', value: 'v'.repeat(5001) } }),
      readModel('tags-bad'),
    );
    await expectRefused(
      api,
      'BAD_USER_INPUT',
      () => api.gql(RegDeleteModelTagDocument, { input: { name: 'tags-bad', key: 'no*good' } }),
      readModel('tags-bad'),
    );
    await expectRefused(
      api,
      'NOT_FOUND',
      () => api.gql(RegSetModelTagDocument, { input: { name: 'tags-ghost', key: 'k', value: 'v' } }),
      readModel('tags-bad'),
    );
    await expectRefused(
      api,
      'NOT_FOUND',
      () => api.gql(RegDeleteModelTagDocument, { input: { name: 'tags-ghost', key: 'k' } }),
      readModel('tags-bad'),
    );
  });
});

describe('looking things up', () => {
  it('answers a missing model, or a name that could never exist, with null', async () => {
    expect(await readModel('nothing-here')()).toBeNull();
    expect(await readModel('')()).toBeNull();
  });

  it('refuses a name no database could store (NUL, lone surrogate) with BAD_USER_INPUT naming the argument', async () => {
    const nul = await api.gql(RegModelDocument, { name: 'nul\u0000name' });
    expect(nul.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([['BAD_USER_INPUT', '$name']]);
    const lone = await api.gql(RegModelDocument, { name: 'lone\uD800' });
    expect(lone.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([['BAD_USER_INPUT', '$name']]);
    expect(await readModel('')()).toBeNull();
  });
});
