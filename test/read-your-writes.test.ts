import { GovSetPolicyDocument } from './__generated__/graphql';
import { model, request, team, type Team } from './governance-fixtures';
import { startApi, type TestApi } from './support/api';

/*
 * A document's mutations run one after another, and each one's sub-selection must show the
 * registry as it is after that mutation. The request's DataLoaders cache what a first mutation's
 * payload read; unless they are renewed after each write, a second mutation's payload shows the
 * registry as it was before it. This walks every mutation whose payload can show what it changed
 * (the writer), after each kind of payload that fills the caches (the filler), and compares the
 * writer's payload with a fresh query sent afterwards.
 */

const VERSION_VIEW = `
  version stage description updatedAt tags { key value } metrics { key value } aliases
  stageHistory { fromStage toStage request { id status } }
  transitionRequests(first: 20) { totalCount edges { node { id status decisions { approver decision } } } }
  model { ...ModelView }`;
const MODEL_VIEW = `
  name description updatedAt tags { key value } aliases { alias version { version } }
  policies { stage requiredApprovals }
  latestVersions { version stage }
  versions(first: 20) { totalCount edges { node { version stage description tags { key value } metrics { key value } } } }
  transitionRequests(first: 20) { totalCount edges { node { id status decisions { approver } } } }`;
/** A document with the view fragments it spreads (GraphQL refuses unused ones). */
const withViews = (document: string) =>
  document +
  (document.includes('...VersionView') ? `\nfragment VersionView on ModelVersion { ${VERSION_VIEW} }` : '') +
  `\nfragment ModelView on RegisteredModel { ${MODEL_VIEW} }`;

type Payload = 'version' | 'model' | 'request';
const SELECTION: Record<Payload, string> = {
  version: '{ modelVersion { ...VersionView } }',
  model: '{ registeredModel { ...ModelView } }',
  request: '{ transitionRequest { status decisions { approver decision } modelVersion { ...VersionView } } }',
};

let api: TestApi;
let t: Team;
beforeAll(async () => {
  api = await startApi();
  t = await team(api, 'ryw-');
});
afterAll(() => api.stop());

const lit = (value: unknown): string => JSON.stringify(value);

interface Writer {
  name: string;
  payload: Payload;
  /** The version the payload shows (1 unless the writer creates one). */
  version?: number;
  /** Prepares the model (2 versions, version 1 targeted) and returns the mutation field and who sends it. */
  prepare(name: string): Promise<{ field: string; token?: string }>;
}

const writers: Writer[] = [
  {
    name: 'setModelVersionTag',
    payload: 'version',
    prepare: async (m) => ({ field: `setModelVersionTag(input: { name: ${lit(m)}, version: 1, key: "probe", value: "two" })` }),
  },
  {
    name: 'deleteModelVersionTag',
    payload: 'version',
    prepare: async (m) => ({ field: `deleteModelVersionTag(input: { name: ${lit(m)}, version: 1, key: "probe" })` }),
  },
  {
    name: 'updateModelVersion',
    payload: 'version',
    prepare: async (m) => ({ field: `updateModelVersion(input: { name: ${lit(m)}, version: 1, description: "changed" })` }),
  },
  {
    name: 'logModelVersionMetrics',
    payload: 'version',
    prepare: async (m) => ({
      field: `logModelVersionMetrics(input: { name: ${lit(m)}, version: 1, metrics: [{ key: "accuracy", value: 0.5 }] })`,
    }),
  },
  {
    name: 'transitionModelVersionStage',
    payload: 'version',
    prepare: async (m) => ({ field: `transitionModelVersionStage(input: { name: ${lit(m)}, version: 1, toStage: STAGING })` }),
  },
  {
    name: 'createModelVersion',
    payload: 'version',
    version: 3,
    prepare: async (m) => ({
      field: `createModelVersion(input: { name: ${lit(m)}, source: "s3://x/3", tags: [{ key: "k", value: "v" }] })`,
    }),
  },
  {
    name: 'setRegisteredModelTag',
    payload: 'model',
    prepare: async (m) => ({ field: `setRegisteredModelTag(input: { name: ${lit(m)}, key: "probe", value: "two" })` }),
  },
  {
    name: 'deleteRegisteredModelTag',
    payload: 'model',
    prepare: async (m) => ({ field: `deleteRegisteredModelTag(input: { name: ${lit(m)}, key: "probe" })` }),
  },
  {
    name: 'updateRegisteredModel',
    payload: 'model',
    prepare: async (m) => ({ field: `updateRegisteredModel(input: { name: ${lit(m)}, description: "changed" })` }),
  },
  {
    name: 'renameRegisteredModel',
    payload: 'model',
    prepare: async (m) => ({ field: `renameRegisteredModel(input: { name: ${lit(m)}, newName: ${lit(m + '-renamed')} })` }),
  },
  {
    name: 'setModelAlias',
    payload: 'model',
    prepare: async (m) => ({ field: `setModelAlias(input: { name: ${lit(m)}, alias: "champion", version: 2 })` }),
  },
  {
    name: 'deleteModelAlias',
    payload: 'model',
    prepare: async (m) => ({ field: `deleteModelAlias(input: { name: ${lit(m)}, alias: "champion" })` }),
  },
  {
    name: 'requestStageTransition',
    payload: 'request',
    prepare: async (m) => ({ field: `requestStageTransition(input: { name: ${lit(m)}, version: 1, toStage: STAGING })`, token: t.bot }),
  },
  {
    name: 'approveTransitionRequest',
    payload: 'request',
    prepare: async (m) => {
      const id = await request(api, t.bot, m, 1, 'STAGING');
      return { field: `approveTransitionRequest(input: { id: ${lit(id)} })`, token: t.alice };
    },
  },
  {
    name: 'approveTransitionRequest (not yet applying)',
    payload: 'request',
    prepare: async (m) => {
      await api.data(GovSetPolicyDocument, { input: { modelName: m, stage: 'STAGING', requiredApprovals: 2 } });
      const id = await request(api, t.bot, m, 1, 'STAGING');
      return { field: `approveTransitionRequest(input: { id: ${lit(id)} })`, token: t.alice };
    },
  },
  {
    name: 'rejectTransitionRequest',
    payload: 'request',
    prepare: async (m) => {
      const id = await request(api, t.bot, m, 1, 'STAGING');
      return { field: `rejectTransitionRequest(input: { id: ${lit(id)} })`, token: t.alice };
    },
  },
  {
    name: 'cancelTransitionRequest',
    payload: 'request',
    prepare: async (m) => {
      const id = await request(api, t.bot, m, 1, 'STAGING');
      return { field: `cancelTransitionRequest(input: { id: ${lit(id)} })`, token: t.bot };
    },
  },
];

/** First mutations whose payloads fill the caches of every loader the writers' payloads read. */
const fillers: { name: string; payload: Payload; field: (m: string) => string }[] = [
  {
    name: 'a version payload',
    payload: 'version',
    field: (m) => `setModelVersionTag(input: { name: ${lit(m)}, version: 1, key: "probe", value: "one" })`,
  },
  {
    name: 'a model payload',
    payload: 'model',
    field: (m) => `setRegisteredModelTag(input: { name: ${lit(m)}, key: "probe", value: "one" })`,
  },
];

const fresh = (payload: Payload, name: string, version: number) =>
  payload === 'model'
    ? withViews(`query Fresh { registeredModel(name: ${lit(name)}) { ...ModelView } }`)
    : withViews(`query Fresh { modelVersion(name: ${lit(name)}, version: ${version}) { ...VersionView } }`);

type Data = Record<
  string,
  Record<string, { modelVersion?: unknown; registeredModel?: unknown; transitionRequest?: { modelVersion: unknown } }>
>;

let n = 0;
describe.each(fillers)('after $name', (filler) => {
  it.each(writers)('$name shows what it wrote', async (writer) => {
    const name = `ryw-${++n}`;
    await model(api, name, 2);
    const { field, token } = await writer.prepare(name);
    // Both run as the writer's principal (the admin when none is given); every role may write tags.
    const document = withViews(
      `mutation Pair { a: ${filler.field(name)} ${SELECTION[filler.payload]} b: ${field} ${SELECTION[writer.payload]} }`,
    );
    const result = await api.gql(document, undefined, { token });
    expect(result.errors).toBeUndefined();
    const b = (result.data as unknown as Data).b;
    const seen =
      writer.payload === 'request' ? b.transitionRequest!.modelVersion : writer.payload === 'model' ? b.registeredModel : b.modelVersion;
    const after = name + (writer.name === 'renameRegisteredModel' ? '-renamed' : '');
    const now = (await api.data(fresh(writer.payload, after, writer.version ?? 1))) as Record<string, unknown>;
    expect(seen).toEqual(writer.payload === 'model' ? now.registeredModel : now.modelVersion);
  });
});

it('shows the second value when one document sets the same tag twice (the reported case)', async () => {
  await model(api, 'ryw-tag', 1);
  const set = (alias: string, value: string) =>
    `${alias}: setModelVersionTag(input: { name: "ryw-tag", version: 1, key: "k", value: ${lit(value)} }) { modelVersion { tags { key value } } }`;
  const data = await api.data<Record<string, { modelVersion: { tags: unknown[] } }>, never>(
    `mutation { ${set('a', 'one')} ${set('b', 'two')} }`,
  );
  expect(data.a.modelVersion.tags).toEqual([{ key: 'k', value: 'one' }]);
  expect(data.b.modelVersion.tags).toEqual([{ key: 'k', value: 'two' }]);
});
