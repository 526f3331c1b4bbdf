import { CreateModelDocument, CreateVersionDocument, GetModelDocument, GetNodeDocument } from './__generated__/graphql';
import { codes, startApi, type TestApi } from './support/api';
import { Role } from '../src/domain/roles';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.stop());

describe('the first slice, from HTTP to the database and back', () => {
  it('creates a registered model and reads it by name and by global id', async () => {
    const created = await api.data(CreateModelDocument, {
      input: { name: 'fraud-detector', description: 'Card fraud', tags: [{ key: 'team', value: 'risk' }] },
    });
    const model = created.createRegisteredModel.registeredModel;
    expect(model).toMatchObject({ name: 'fraud-detector', description: 'Card fraud', tags: [{ key: 'team', value: 'risk' }] });
    expect(new Date(model.createdAt).toISOString()).toBe(model.createdAt);
    expect(model.createdBy).toMatch(/^bootstrap-admin-/);

    const byName = await api.data(GetModelDocument, { name: 'fraud-detector' });
    expect(byName.registeredModel?.id).toBe(model.id);
    const byId = await api.data(GetNodeDocument, { id: model.id });
    expect(byId.node).toEqual({ id: model.id, name: 'fraud-detector' });
  });

  it('looks up what does not exist as null', async () => {
    expect((await api.data(GetModelDocument, { name: 'nope' })).registeredModel).toBeNull();
    expect((await api.data(GetNodeDocument, { id: 'not-an-id' })).node).toBeNull();
    expect((await api.data(GetNodeDocument, { id: Buffer.from('RegisteredModel:999').toString('base64url') })).node).toBeNull();
  });

  it('refuses a second model of the same name with ALREADY_EXISTS', async () => {
    const again = await api.gql(CreateModelDocument, { input: { name: 'fraud-detector' } });
    expect(codes(again)).toEqual(['ALREADY_EXISTS']);
  });

  it('answers a missing token with UNAUTHENTICATED and a low role with FORBIDDEN', async () => {
    expect(codes(await api.gql(GetModelDocument, { name: 'x' }, { token: null }))).toEqual(['UNAUTHENTICATED']);
    const bad = await api.gql(GetModelDocument, { name: 'x' }, { token: 'mg_stolen' });
    expect(bad.status).toBe(401);
    expect(codes(bad)).toEqual(['UNAUTHENTICATED']);
    const viewer = await api.token('viewer', [Role.VIEWER]);
    expect(codes(await api.gql(CreateModelDocument, { input: { name: 'v' } }, { token: viewer }))).toEqual(['FORBIDDEN']);
  });
});

describe('model versions', () => {
  it('numbers versions per model from 1', async () => {
    await api.data(CreateModelDocument, { input: { name: 'ranker' } });
    const first = await api.data(CreateVersionDocument, { input: { name: 'ranker', source: 's3://b/ranker/1' } });
    const second = await api.data(CreateVersionDocument, { input: { name: 'ranker', source: 's3://b/ranker/2', runId: 'r2' } });
    expect(first.createModelVersion.modelVersion).toMatchObject({ version: 1, stage: 'NONE', status: 'READY', model: { name: 'ranker' } });
    expect(second.createModelVersion.modelVersion).toMatchObject({ version: 2, runId: 'r2' });
  });

  it('refuses a version of a model that does not exist with NOT_FOUND', async () => {
    expect(codes(await api.gql(CreateVersionDocument, { input: { name: 'ghost', source: 's3://x' } }))).toEqual(['NOT_FOUND']);
  });
});
