import {
  DepCancelDocument,
  DepCreateEnvironmentDocument,
  DepDeleteEnvironmentDocument,
  DepEnvironmentDocument,
  DepEnvironmentsDocument,
  DepNodeDocument,
  DepUpdateEnvironmentDocument,
} from './__generated__/graphql';
import { auditActions, deployed, environment, modelWithStages, refused, start } from './deployment-fixtures';
import { startApi, type TestApi } from './support/api';
import { Role } from '../src/domain/roles';

// Semantics §3, Environments: ADMIN creates, updates and deletes them; names, the stage gate, deletion.
let api: TestApi;
let bot: string;
beforeAll(async () => {
  api = await startApi();
  bot = await api.token('deploy-bot', [Role.CONTRIBUTOR]);
});
afterAll(() => api.stop());

const create = (name: string, requiredStage: 'NONE' | 'STAGING' | 'PRODUCTION' | 'ARCHIVED', token?: string) =>
  api.gql(DepCreateEnvironmentDocument, { input: { name, requiredStage } }, { token });

describe('createEnvironment', () => {
  it('creates an environment with its gate, records who and writes ENVIRONMENT_CREATED', async () => {
    const env = await environment(api, 'prod-eu', 'PRODUCTION', 'Frankfurt, 3 zones');
    expect(env).toEqual({
      id: expect.any(String),
      name: 'prod-eu',
      description: 'Frankfurt, 3 zones',
      requiredStage: 'PRODUCTION',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      createdBy: expect.stringMatching(/^bootstrap-admin/),
    });
    const [event] = (await auditActions(api, ['ENVIRONMENT_CREATED'])).filter((e) => e.details.name === 'prod-eu');
    expect(event).toMatchObject({
      actor: expect.stringMatching(/^bootstrap-admin/),
      modelName: null,
      details: { environmentId: env.id, name: 'prod-eu', requiredStage: 'PRODUCTION' },
    });
    expect((await api.data(DepNodeDocument, { id: env.id })).node).toEqual({ __typename: 'Environment', id: env.id, name: 'prod-eu' });
  });

  it.each(['', 'Prod', '1st', 'prod eu', 'a'.repeat(65), 'prod/eu'])('refuses the name %j (BAD_USER_INPUT naming it)', async (name) => {
    const error = await refused(api, 'BAD_USER_INPUT', () => create(name, 'NONE'));
    expect(error.extensions).toMatchObject({ field: 'name' });
  });

  it('refuses ARCHIVED as requiredStage: it would admit nothing', async () => {
    const error = await refused(api, 'BAD_USER_INPUT', () => create('graveyard', 'ARCHIVED'));
    expect(error.extensions).toMatchObject({ field: 'requiredStage' });
  });

  it('refuses a second environment of the same name (ALREADY_EXISTS)', async () => {
    await environment(api, 'dup', 'NONE');
    await refused(api, 'ALREADY_EXISTS', () => create('dup', 'STAGING'));
  });

  it('is for ADMINs only', async () => {
    const approver = await api.token('env-approver', [Role.APPROVER]);
    await refused(api, 'FORBIDDEN', () => create('mine', 'NONE', approver));
  });
});

describe('reading environments', () => {
  it('lists them by name; looks one up by name, null when there is none', async () => {
    await environment(api, 'a-first', 'NONE');
    const names = (await api.data(DepEnvironmentsDocument, {})).environments.map((e) => e.name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain('a-first');
    expect((await api.data(DepEnvironmentDocument, { name: 'a-first' })).environment?.name).toBe('a-first');
    expect((await api.data(DepEnvironmentDocument, { name: 'nowhere' })).environment).toBeNull();
    expect((await api.data(DepEnvironmentDocument, { name: 'Not A Name' })).environment).toBeNull();
  });
});

describe('updateEnvironment', () => {
  it('changes what is given, keeps what is omitted, clears a null description', async () => {
    await environment(api, 'upd', 'NONE', 'first');
    const up = (input: Record<string, unknown>) => api.data(DepUpdateEnvironmentDocument, { input: { name: 'upd', ...input } });
    expect((await up({ requiredStage: 'STAGING' })).updateEnvironment.environment).toMatchObject({
      requiredStage: 'STAGING',
      description: 'first',
    });
    expect((await up({ description: 'second' })).updateEnvironment.environment).toMatchObject({
      requiredStage: 'STAGING',
      description: 'second',
    });
    expect((await up({ description: null })).updateEnvironment.environment).toMatchObject({ requiredStage: 'STAGING', description: null });
    const events = await auditActions(api, ['ENVIRONMENT_UPDATED']);
    expect(events.filter((e) => e.details.name === 'upd').map((e) => e.details)).toEqual([
      expect.objectContaining({ requiredStage: 'STAGING', previousRequiredStage: 'NONE' }),
      expect.objectContaining({ description: 'second' }),
      expect.objectContaining({ description: null }),
    ]);
  });

  it('refuses an unknown environment (NOT_FOUND) and ARCHIVED (BAD_USER_INPUT)', async () => {
    await refused(api, 'NOT_FOUND', () => api.gql(DepUpdateEnvironmentDocument, { input: { name: 'nowhere', description: 'x' } }));
    await environment(api, 'upd2', 'NONE');
    await refused(api, 'BAD_USER_INPUT', () =>
      api.gql(DepUpdateEnvironmentDocument, { input: { name: 'upd2', requiredStage: 'ARCHIVED' } }),
    );
  });
});

describe('deleteEnvironment', () => {
  it('is refused (CONFLICT) while a deployment there is PENDING, then removes its deployments and keeps their audit', async () => {
    await environment(api, 'doomed', 'NONE');
    await modelWithStages(api, 'doomed-model', ['NONE', 'NONE']);
    const done = await deployed(api, bot, 'doomed-model', 1, 'doomed');
    const pending = await start(api, bot, 'doomed-model', 2, 'doomed');
    await refused(api, 'CONFLICT', () => api.gql(DepDeleteEnvironmentDocument, { input: { name: 'doomed' } }));

    await api.data(DepCancelDocument, { input: { id: pending } }, { token: bot });
    expect((await api.data(DepDeleteEnvironmentDocument, { input: { name: 'doomed' } })).deleteEnvironment.deletedName).toBe('doomed');
    expect((await api.data(DepEnvironmentDocument, { name: 'doomed' })).environment).toBeNull();
    expect((await api.data(DepNodeDocument, { id: done })).node).toBeNull();
    expect(await api.db.prisma.deployment.count({ where: { model: { name: 'doomed-model' } } })).toBe(0);
    const audit = await auditActions(api, ['DEPLOYMENT_STARTED', 'ENVIRONMENT_DELETED']);
    expect(audit.filter((e) => e.details.environment === 'doomed' || e.details.name === 'doomed').map((e) => e.action)).toEqual([
      'DEPLOYMENT_STARTED',
      'DEPLOYMENT_STARTED',
      'ENVIRONMENT_DELETED',
    ]);
    expect(audit[audit.length - 1].details).toMatchObject({ removedDeployments: 2 });
  });

  it('refuses an unknown environment (NOT_FOUND)', async () => {
    await refused(api, 'NOT_FOUND', () => api.gql(DepDeleteEnvironmentDocument, { input: { name: 'never-was' } }));
  });
});
