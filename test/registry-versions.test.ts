import {
  RegCreateVersionDocument,
  RegDeleteAliasDocument,
  RegDeleteVersionDocument,
  RegDeleteVersionTagDocument,
  RegLogMetricsDocument,
  RegModelDocument,
  RegModelLookupsDocument,
  RegSetAliasDocument,
  RegSetVersionTagDocument,
  RegUpdateVersionDocument,
  RegVersionDocument,
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

const readVersion = (name: string, version: number) => async () => (await api.data(RegVersionDocument, { name, version })).modelVersion;
const readModel = (name: string) => async () => (await api.data(RegModelDocument, { name })).registeredModel;

describe('creating a model version', () => {
  it('starts in NONE and READY with its tags, metrics, run and creator, and records VERSION_CREATED', async () => {
    await seed.model('cv');
    const contributor = await api.token('bob', [Role.CONTRIBUTOR]);
    const created = await api.data(
      RegCreateVersionDocument,
      {
        input: {
          name: 'cv',
          source: 's3://b/cv/1',
          runId: 'run-1',
          runLink: 'https://ml/run-1',
          description: 'first',
          tags: [{ key: 'framework', value: 'xgboost' }],
          metrics: [
            { key: 'auc', value: 0.91 },
            { key: 'loss', value: -0.5 },
          ],
        },
      },
      { token: contributor },
    );
    expect(created.createModelVersion.modelVersion).toMatchObject({
      version: 1,
      stage: 'NONE',
      status: 'READY',
      statusMessage: null,
      source: 's3://b/cv/1',
      runId: 'run-1',
      runLink: 'https://ml/run-1',
      description: 'first',
      createdBy: 'bob',
      tags: [{ key: 'framework', value: 'xgboost' }],
      metrics: [
        { key: 'auc', value: 0.91 },
        { key: 'loss', value: -0.5 },
      ],
      aliases: [],
      model: { name: 'cv' },
    });
    const [, event] = await auditOf(api, 'cv');
    expect([event.action, event.actor, event.version]).toEqual(['VERSION_CREATED', 'bob', 1]);
  });

  it.each([
    ['empty source', { source: '' }, 'source must be 1 to 1000 characters, got 0'],
    ['long source', { source: 's'.repeat(1001) }, 'source must be 1 to 1000 characters, got 1001'],
    ['NUL in source', { source: 's3://a\u0000' }, '$input.source must not contain NUL'],
    ['.. segment', { source: 's3://b/../etc' }, 'source must not contain a ".." path segment'],
    ['bad tag key', { source: 's', tags: [{ key: '', value: 'v' }] }, 'tags.key must be 1 to 250 characters, got 0'],
    [
      'duplicate tag keys',
      {
        source: 's',
        tags: [
          { key: 'a', value: '1' },
          { key: 'a', value: '1' },
        ],
      },
      'tags lists the key "a" more than once',
    ],
    [
      'bad metric key',
      { source: 's', metrics: [{ key: 'a|b', value: 1 }] },
      'metrics.key "a|b" may only contain letters, digits, _ - . / : and space',
    ],
    [
      'duplicate metric keys',
      {
        source: 's',
        metrics: [
          { key: 'm', value: 1 },
          { key: 'm', value: 2 },
        ],
      },
      'metrics lists the key "m" more than once',
    ],
  ])('refuses %s with BAD_USER_INPUT, creating nothing and taking no number', async (_, input, message) => {
    await seed.model('cv-bad').catch(() => undefined);
    const result = await expectRefused(
      api,
      'BAD_USER_INPUT',
      () => api.gql(RegCreateVersionDocument, { input: { name: 'cv-bad', ...input } }),
      readVersion('cv-bad', 1),
    );
    expect(result.errors?.[0].message).toBe(message);
    expect((await seed.version('cv-bad')).version).toBe(1);
    await api.db.prisma.modelVersion.deleteMany({ where: { model: { name: 'cv-bad' } } });
    await api.db.prisma.registeredModel.update({ where: { name: 'cv-bad' }, data: { lastVersion: 0 } });
  });

  it('refuses a metric that is not finite with BAD_USER_INPUT', async () => {
    await seed.model('cv-inf');
    // JSON has no Infinity, but 1e999 parses to it.
    const body = JSON.stringify({
      query: 'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { modelVersion { version } } }',
      variables: { i: { name: 'cv-inf', source: 's', metrics: [{ key: 'm', value: 0 }] } },
    }).replace('"value":0', '"value":1e999');
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${api.adminToken}` },
      body,
    });
    expect(codes((await response.json()) as never)).toEqual(['BAD_USER_INPUT']);
    expect(await readVersion('cv-inf', 1)()).toBeNull();
  });

  it('refuses a model that does not exist with NOT_FOUND and a VIEWER with FORBIDDEN', async () => {
    await expectRefused(
      api,
      'NOT_FOUND',
      () => api.gql(RegCreateVersionDocument, { input: { name: 'no-model', source: 's' } }),
      readModel('no-model'),
    );
    await seed.model('cv-viewer');
    const viewer = await api.token('viewer-v', [Role.VIEWER]);
    await expectRefused(
      api,
      'FORBIDDEN',
      () => api.gql(RegCreateVersionDocument, { input: { name: 'cv-viewer', source: 's' } }, { token: viewer }),
      readVersion('cv-viewer', 1),
    );
  });
});

describe('updating and deleting a version', () => {
  it('updates the description (null clears it) and records VERSION_UPDATED', async () => {
    await seed.model('uv');
    await seed.version('uv');
    const updated = await api.data(RegUpdateVersionDocument, { input: { name: 'uv', version: 1, description: 'better' } });
    expect(updated.updateModelVersion.modelVersion.description).toBe('better');
    expect(
      (await api.data(RegUpdateVersionDocument, { input: { name: 'uv', version: 1, description: null } })).updateModelVersion.modelVersion
        .description,
    ).toBeNull();
    expect((await auditOf(api, 'uv')).map((e) => e.action)).toEqual([
      'MODEL_CREATED',
      'VERSION_CREATED',
      'VERSION_UPDATED',
      'VERSION_UPDATED',
    ]);
    await expectRefused(
      api,
      'NOT_FOUND',
      () => api.gql(RegUpdateVersionDocument, { input: { name: 'uv', version: 9, description: 'x' } }),
      readVersion('uv', 1),
    );
    await expectRefused(
      api,
      'BAD_USER_INPUT',
      () => api.gql(RegUpdateVersionDocument, { input: { name: 'uv', version: 1, description: 'd'.repeat(5001) } }),
      readVersion('uv', 1),
    );
  });

  it('hides a deleted version everywhere, removes its aliases and cancels its pending requests', async () => {
    await seed.model('dv');
    const v1 = await seed.version('dv');
    await seed.version('dv');
    await seed.alias('dv', 'champion', 1);
    await seed.alias('dv', 'other', 2);
    const request = await api.db.prisma.transitionRequest.create({
      data: { versionId: v1.id, fromStage: 'NONE', toStage: 'STAGING', requestedBy: 'x', requiredApprovals: 1 },
    });
    expect((await api.data(RegDeleteVersionDocument, { input: { name: 'dv', version: 1 } })).deleteModelVersion.deletedVersion).toBe(1);

    expect(await readVersion('dv', 1)()).toBeNull();
    expect((await api.data(RegVersionDocument, { name: 'dv', alias: 'champion' })).modelVersion).toBeNull();
    expect((await api.data(RegModelLookupsDocument, { name: 'dv', number: 1, alias: 'champion' })).registeredModel).toEqual({
      version: null,
      versionByAlias: null,
    });
    expect((await readModel('dv')())?.aliases).toEqual([{ alias: 'other', version: { version: 2 } }]);
    const cancelled = await api.db.prisma.transitionRequest.findUniqueOrThrow({ where: { id: request.id } });
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.resolvedAt).toBeInstanceOf(Date);
    const actions = (await auditOf(api, 'dv')).map((e) => e.action);
    expect(actions.slice(-2)).toEqual(['VERSION_DELETED', 'TRANSITION_CANCELLED']);
    // A second delete, and every mutation on it, finds nothing.
    expect(codes(await api.gql(RegDeleteVersionDocument, { input: { name: 'dv', version: 1 } }))).toEqual(['NOT_FOUND']);
    expect(codes(await api.gql(RegSetVersionTagDocument, { input: { name: 'dv', version: 1, key: 'k', value: 'v' } }))).toEqual([
      'NOT_FOUND',
    ]);
  });

  it('refuses to delete a version in PRODUCTION with CONFLICT, and a CONTRIBUTOR with FORBIDDEN', async () => {
    await seed.model('dv-prod');
    await seed.version('dv-prod');
    await seed.alias('dv-prod', 'live', 1);
    await setStage(api, 'dv-prod', 1, 'PRODUCTION');
    await expectRefused(
      api,
      'CONFLICT',
      () => api.gql(RegDeleteVersionDocument, { input: { name: 'dv-prod', version: 1 } }),
      readVersion('dv-prod', 1),
    );
    const contributor = await api.token('contrib-dv', [Role.CONTRIBUTOR]);
    await setStage(api, 'dv-prod', 1, 'STAGING');
    await expectRefused(
      api,
      'FORBIDDEN',
      () => api.gql(RegDeleteVersionDocument, { input: { name: 'dv-prod', version: 1 } }, { token: contributor }),
      readVersion('dv-prod', 1),
    );
    await expectRefused(
      api,
      'NOT_FOUND',
      () => api.gql(RegDeleteVersionDocument, { input: { name: 'dv-prod', version: 2 } }),
      readVersion('dv-prod', 1),
    );
  });
});

describe('version tags', () => {
  it('upserts and deletes tags; deleting a missing tag succeeds and records nothing', async () => {
    await seed.model('vt');
    await seed.version('vt', { tags: [{ key: 'a', value: '1' }] });
    const set = await api.data(RegSetVersionTagDocument, { input: { name: 'vt', version: 1, key: 'a', value: '2' } });
    expect(set.setModelVersionTag.modelVersion.tags).toEqual([{ key: 'a', value: '2' }]);
    await api.data(RegSetVersionTagDocument, { input: { name: 'vt', version: 1, key: 'b', value: '' } });
    const del = await api.data(RegDeleteVersionTagDocument, { input: { name: 'vt', version: 1, key: 'a' } });
    expect(del.deleteModelVersionTag.modelVersion.tags).toEqual([{ key: 'b', value: '' }]);
    const audits = await api.db.prisma.auditEvent.count();
    await api.data(RegDeleteVersionTagDocument, { input: { name: 'vt', version: 1, key: 'a' } });
    expect(await api.db.prisma.auditEvent.count()).toBe(audits);
    const events = (await auditOf(api, 'vt')).filter((e) => e.action.startsWith('TAG_'));
    expect(events.map((e) => [e.action, e.version, JSON.parse(e.details)])).toEqual([
      ['TAG_SET', 1, { key: 'a', value: '2' }],
      ['TAG_SET', 1, { key: 'b', value: '' }],
      ['TAG_DELETED', 1, { key: 'a' }],
    ]);
  });

  it('refuses bad keys and values with BAD_USER_INPUT and missing versions with NOT_FOUND', async () => {
    await seed.model('vt-bad');
    await seed.version('vt-bad', { tags: [{ key: 'keep', value: 'me' }] });
    await expectRefused(
      api,
      'BAD_USER_INPUT',
      () => api.gql(RegSetVersionTagDocument, { input: { name: 'vt-bad', version: 1, key: 'a;b', value: 'v' } }),
      readVersion('vt-bad', 1),
    );
    await expectRefused(
      api,
      'BAD_USER_INPUT',
      () => api.gql(RegSetVersionTagDocument, { input: { name: 'vt-bad', version: 1, key: 'k', value: 'v\u0000' } }),
      readVersion('vt-bad', 1),
    );
    await expectRefused(
      api,
      'NOT_FOUND',
      () => api.gql(RegSetVersionTagDocument, { input: { name: 'vt-bad', version: 2, key: 'k', value: 'v' } }),
      readVersion('vt-bad', 1),
    );
    await expectRefused(
      api,
      'NOT_FOUND',
      () => api.gql(RegDeleteVersionTagDocument, { input: { name: 'vt-ghost', version: 1, key: 'k' } }),
      readVersion('vt-bad', 1),
    );
  });
});

describe('version metrics', () => {
  it('logs metrics, replacing values that exist, and records METRICS_LOGGED', async () => {
    await seed.model('vm');
    await seed.version('vm', {
      metrics: [
        { key: 'auc', value: 0.5 },
        { key: 'f1', value: 0.4 },
      ],
    });
    const logged = await api.data(RegLogMetricsDocument, {
      input: {
        name: 'vm',
        version: 1,
        metrics: [
          { key: 'auc', value: 0.9 },
          { key: 'recall', value: 1 },
        ],
      },
    });
    expect(logged.logModelVersionMetrics.modelVersion.metrics).toEqual([
      { key: 'auc', value: 0.9 },
      { key: 'f1', value: 0.4 },
      { key: 'recall', value: 1 },
    ]);
    const event = (await auditOf(api, 'vm')).pop()!;
    expect([event.action, event.version, JSON.parse(event.details)]).toEqual([
      'METRICS_LOGGED',
      1,
      {
        metrics: [
          { key: 'auc', value: 0.9 },
          { key: 'recall', value: 1 },
        ],
      },
    ]);
  });

  it('freezes metrics while a transition request is PENDING (CONFLICT), and refuses bad input', async () => {
    await seed.model('vm-frozen');
    const version = await seed.version('vm-frozen', { metrics: [{ key: 'auc', value: 0.5 }] });
    await expectRefused(
      api,
      'BAD_USER_INPUT',
      () =>
        api.gql(RegLogMetricsDocument, {
          input: {
            name: 'vm-frozen',
            version: 1,
            metrics: [
              { key: 'a', value: 1 },
              { key: 'a', value: 2 },
            ],
          },
        }),
      readVersion('vm-frozen', 1),
    );
    await expectRefused(
      api,
      'BAD_USER_INPUT',
      () => api.gql(RegLogMetricsDocument, { input: { name: 'vm-frozen', version: 1, metrics: [] } }),
      readVersion('vm-frozen', 1),
    );
    await expectRefused(
      api,
      'NOT_FOUND',
      () => api.gql(RegLogMetricsDocument, { input: { name: 'vm-frozen', version: 2, metrics: [{ key: 'a', value: 1 }] } }),
      readVersion('vm-frozen', 1),
    );
    const request = await api.db.prisma.transitionRequest.create({
      data: { versionId: version.id, fromStage: 'NONE', toStage: 'STAGING', requestedBy: 'x', requiredApprovals: 1 },
    });
    await expectRefused(
      api,
      'CONFLICT',
      () => api.gql(RegLogMetricsDocument, { input: { name: 'vm-frozen', version: 1, metrics: [{ key: 'auc', value: 0.99 }] } }),
      readVersion('vm-frozen', 1),
    );
    await api.db.prisma.transitionRequest.update({ where: { id: request.id }, data: { status: 'REJECTED', resolvedAt: new Date() } });
    const logged = await api.data(RegLogMetricsDocument, {
      input: { name: 'vm-frozen', version: 1, metrics: [{ key: 'auc', value: 0.99 }] },
    });
    expect(logged.logModelVersionMetrics.modelVersion.metrics).toEqual([{ key: 'auc', value: 0.99 }]);
  });
});

describe('aliases', () => {
  it('sets, moves and deletes an alias; lookups by alias follow it', async () => {
    await seed.model('al');
    await seed.version('al');
    await seed.version('al');
    const set = await api.data(RegSetAliasDocument, { input: { name: 'al', alias: 'champion', version: 1 } });
    expect(set.setModelAlias.registeredModel.aliases).toEqual([{ alias: 'champion', version: { version: 1, aliases: ['champion'] } }]);
    const moved = await api.data(RegSetAliasDocument, { input: { name: 'al', alias: 'champion', version: 2 } });
    expect(moved.setModelAlias.registeredModel.aliases).toEqual([{ alias: 'champion', version: { version: 2, aliases: ['champion'] } }]);
    expect((await readVersion('al', 1)())?.aliases).toEqual([]);
    expect((await api.data(RegVersionDocument, { name: 'al', alias: 'champion' })).modelVersion?.version).toBe(2);
    const deleted = await api.data(RegDeleteAliasDocument, { input: { name: 'al', alias: 'champion' } });
    expect(deleted.deleteModelAlias.registeredModel.aliases).toEqual([]);
    const audits = await api.db.prisma.auditEvent.count();
    await api.data(RegDeleteAliasDocument, { input: { name: 'al', alias: 'champion' } });
    expect(await api.db.prisma.auditEvent.count()).toBe(audits);
    const events = (await auditOf(api, 'al')).filter((e) => e.action.startsWith('ALIAS_'));
    expect(events.map((e) => [e.action, e.version, JSON.parse(e.details)])).toEqual([
      ['ALIAS_SET', 1, { alias: 'champion', version: 1, previousVersion: null }],
      ['ALIAS_SET', 2, { alias: 'champion', version: 2, previousVersion: 1 }],
      ['ALIAS_DELETED', 2, { alias: 'champion' }],
    ]);
  });

  it.each(['latest', 'LATEST', 'v1', 'V12', 'bad alias', '', 'a'.repeat(256)])(
    'refuses the alias %j with BAD_USER_INPUT',
    async (alias) => {
      await seed.model('al-bad').catch(() => undefined);
      if (!(await readVersion('al-bad', 1)())) await seed.version('al-bad');
      await expectRefused(
        api,
        'BAD_USER_INPUT',
        () => api.gql(RegSetAliasDocument, { input: { name: 'al-bad', alias, version: 1 } }),
        readModel('al-bad'),
      );
    },
  );

  it('refuses an alias to a missing or deleted version, or of a missing model, with NOT_FOUND', async () => {
    await seed.model('al-nf');
    await seed.version('al-nf');
    await seed.version('al-nf');
    await api.data(RegDeleteVersionDocument, { input: { name: 'al-nf', version: 2 } });
    await expectRefused(
      api,
      'NOT_FOUND',
      () => api.gql(RegSetAliasDocument, { input: { name: 'al-nf', alias: 'x', version: 3 } }),
      readModel('al-nf'),
    );
    await expectRefused(
      api,
      'NOT_FOUND',
      () => api.gql(RegSetAliasDocument, { input: { name: 'al-nf', alias: 'x', version: 2 } }),
      readModel('al-nf'),
    );
    await expectRefused(
      api,
      'NOT_FOUND',
      () => api.gql(RegSetAliasDocument, { input: { name: 'al-ghost', alias: 'x', version: 1 } }),
      readModel('al-nf'),
    );
    await expectRefused(
      api,
      'NOT_FOUND',
      () => api.gql(RegDeleteAliasDocument, { input: { name: 'al-ghost', alias: 'x' } }),
      readModel('al-nf'),
    );
    const viewer = await api.token('viewer-al', [Role.VIEWER]);
    await expectRefused(
      api,
      'FORBIDDEN',
      () => api.gql(RegSetAliasDocument, { input: { name: 'al-nf', alias: 'x', version: 1 } }, { token: viewer }),
      readModel('al-nf'),
    );
  });
});

describe('looking up a version', () => {
  it('needs exactly one of version and alias', async () => {
    await seed.model('lk');
    await seed.version('lk');
    expect(codes(await api.gql(RegVersionDocument, { name: 'lk' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await api.gql(RegVersionDocument, { name: 'lk', version: 1, alias: 'a' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('answers what is missing with null', async () => {
    expect(await readVersion('lk', 2)()).toBeNull();
    expect(await readVersion('nope', 1)()).toBeNull();
    expect((await api.data(RegVersionDocument, { name: 'lk', alias: 'none' })).modelVersion).toBeNull();
    expect((await api.data(RegVersionDocument, { name: 'lk', alias: 'latest' })).modelVersion).toBeNull();
    // A name or alias no database could store is the caller's mistake, refused before any lookup.
    expect(codes(await api.gql(RegVersionDocument, { name: 'l\u0000k', alias: 'x' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await api.gql(RegModelLookupsDocument, { name: 'lk', number: 1, alias: 'a\u0000' }))).toEqual(['BAD_USER_INPUT']);
  });
});
