import * as events from '../src/db/repositories/event.repository';
import { Role } from '../src/domain/roles';
import { startApi, type GraphQLResponse, type TestApi } from './support/api';

/**
 * `x-sql-statements` is exact: reads count their statements through the request's counting
 * client, everything else through its async context (StatementCounter). Here every response's
 * count is checked against what the process ran meanwhile (`statements.total`, which counts
 * every statement Prisma reports), for one operation at a time of every family: so a read
 * path that bypassed the counting client, or a call that ran more statements than it counted,
 * fails here. The event feed's own reads (woken by each write) are taken off the total.
 */
describe('x-sql-statements', () => {
  let api: TestApi;
  let approver: string;
  let feedReads = 0;

  const total = () => api.db.statements.total - feedReads;

  /** Waits until the process runs nothing more (the event feed catches up after a write). */
  async function settled(): Promise<number> {
    let last = -1;
    for (let stable = 0; stable < 3;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const now = api.db.statements.total;
      stable = now === last ? stable + 1 : 0;
      last = now;
    }
    return total();
  }

  async function counted<T>(
    query: string,
    variables: Record<string, unknown> = {},
    options: { token?: string | null; headers?: Record<string, string> } = {},
  ): Promise<GraphQLResponse<T>> {
    const before = await settled();
    const result = await api.gql<T, object>(query, variables, options);
    const ran = (await settled()) - before;
    expect({ query, statements: result.statements }).toEqual({ query, statements: ran });
    return result;
  }

  beforeAll(async () => {
    const read = { after: events.findEventsAfter, latest: events.latestEventId };
    jest.spyOn(events, 'findEventsAfter').mockImplementation((...args) => (feedReads++, read.after(...args)));
    jest.spyOn(events, 'latestEventId').mockImplementation((...args) => (feedReads++, read.latest(...args)));
    api = await startApi({ WEBHOOK_DISPATCHER: 'false', WEBHOOK_ALLOW_PRIVATE_URLS: 'true', EVENT_POLL_INTERVAL_MS: '60000' });
    approver = await api.token('approver', [Role.ADMIN]);
  });
  afterAll(() => api.stop());

  const MODEL = `model { name }`;
  const VERSION_FIELDS = `id version stage metrics { key value } tags { key value } aliases model { name }`;

  it('is what an idempotent mutation ran, its key claimed and its response stored', async () => {
    const first = await counted(
      `mutation { createRegisteredModel(input: { name: "sc-idem" }) { registeredModel { name } } }`,
      {},
      { headers: { 'idempotency-key': 'sc-idem-1' } },
    );
    expect(first.errors).toBeUndefined();
    // The replay reads the stored response and runs nothing else.
    const replay = await counted(
      `mutation { createRegisteredModel(input: { name: "sc-idem" }) { registeredModel { name } } }`,
      {},
      { headers: { 'idempotency-key': 'sc-idem-1' } },
    );
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('is what each mutation ran', async () => {
    const created = await counted<{ createRegisteredModel: unknown }>(
      `mutation { createRegisteredModel(input: { name: "sc", tags: [{ key: "team", value: "a" }] }) { registeredModel { name tags { key value } } } }`,
    );
    expect(created.errors).toBeUndefined();
    for (let i = 0; i < 3; i++) {
      const version = await counted(
        `mutation($m: [MetricInput!]) { createModelVersion(input: { name: "sc", source: "s3://b/sc", metrics: $m, tags: [{ key: "k", value: "v" }] }) { modelVersion { ${VERSION_FIELDS} } } }`,
        { m: [{ key: 'auc', value: 0.5 + i / 10 }] },
      );
      expect(version.errors).toBeUndefined();
    }
    expect(
      (
        await counted(
          `mutation { setModelAlias(input: { name: "sc", alias: "champion", version: 2 }) { registeredModel { aliases { alias version { version } } } } }`,
        )
      ).errors,
    ).toBeUndefined();
    expect(
      (
        await counted(
          `mutation { setRegisteredModelTag(input: { name: "sc", key: "owner", value: "x" }) { registeredModel { tags { key value } } } }`,
        )
      ).errors,
    ).toBeUndefined();
    const requested = await counted<{ requestStageTransition: { transitionRequest: { id: string } } }>(
      `mutation { requestStageTransition(input: { name: "sc", version: 2, toStage: STAGING }) { transitionRequest { id status modelVersion { ${VERSION_FIELDS} } } } }`,
    );
    expect(requested.errors).toBeUndefined();
    const approved = await counted(
      `mutation($id: ID!) { approveTransitionRequest(input: { id: $id }) { transitionRequest { status decisions { decision } modelVersion { stage stageHistory { fromStage toStage } } } } }`,
      { id: requested.data!.requestStageTransition.transitionRequest.id },
      { token: approver },
    );
    expect(approved.errors).toBeUndefined();
    expect(
      (await counted(`mutation { createEnvironment(input: { name: "staging", requiredStage: STAGING }) { environment { name } } }`)).errors,
    ).toBeUndefined();
    expect(
      (
        await counted(
          `mutation { startDeployment(input: { name: "sc", version: 2, environment: "staging" }) { deployment { status modelVersion { version } environment { name } } } }`,
        )
      ).errors,
    ).toBeUndefined();
    expect(
      (await counted(`mutation { createWebhook(input: { name: "hook", url: "http://127.0.0.1:9/hook" }) { webhook { name } } }`)).errors,
    ).toBeUndefined();
    // Refused ones: a domain error inside the transaction, and one before it.
    expect(
      (await counted(`mutation { setModelAlias(input: { name: "sc", alias: "champion", version: 99 }) { registeredModel { name } } }`))
        .errors,
    ).toBeDefined();
    expect((await counted(`mutation { createRegisteredModel(input: { name: "" }) { registeredModel { name } } }`)).errors).toBeDefined();
  });

  it('is what each query ran, of every root field family', async () => {
    const ids = await api.data<{ registeredModel: { id: string; version: { id: string } } }, object>(
      `{ registeredModel(name: "sc") { id version(number: 2) { id } } }`,
    );
    const more = await api.data<
      {
        deployments: { edges: { node: { id: string } }[] };
        environments: { id: string }[];
        webhooks: { id: string }[];
        transitionRequests: { edges: { node: { id: string } }[] };
        auditEvents: { edges: { node: { id: string } }[] };
        viewer: { id: string };
      },
      object
    >(
      `{ deployments(first: 1) { edges { node { id } } } environments { id } webhooks { id } transitionRequests(first: 1) { edges { node { id } } }
        auditEvents(first: 1) { edges { node { id } } } viewer { id } }`,
    );
    const everyType = [
      more.deployments.edges[0].node.id,
      more.environments[0].id,
      more.webhooks[0].id,
      more.transitionRequests.edges[0].node.id,
      more.auditEvents.edges[0].node.id,
      more.viewer.id,
    ];
    const queries: [string, Record<string, unknown>?][] = [
      [
        `query($ids: [ID!]!) { nodes(ids: $ids) { id
          ... on Deployment { status environment { name } modelVersion { version model { name } } rollbackOf { id } }
          ... on Environment { name stats { succeeded } currentDeployments { totalCount } deployments { totalCount } }
          ... on Webhook { name deliveries { totalCount edges { node { status } } } }
          ... on TransitionRequest { requestStatus: status decisions { decision } modelVersion { version } }
          ... on AuditEvent { action }
          ... on Principal { name } } }`,
        { ids: everyType },
      ],
      [`{ viewer { name roles } }`],
      [`{ __typename }`],
      [
        `{ registeredModel(name: "sc") { name tags { key value } aliases { alias version { version } } policies { stage } transitionRequests { totalCount edges { node { status } } } deployments { totalCount } currentDeployments { status } } }`,
      ],
      [`{ registeredModel(name: "nope") { name } }`],
      [
        `query($first: Int!) { registeredModels(first: $first) { totalCount edges { node { name tags { key value } aliases { alias version { version } }
          latestVersions { version stage metrics { key value } tags { key value } } versions(first: 5) { totalCount edges { node { version stage } } } } } } }`,
        { first: 20 },
      ],
      [
        `{ registeredModels(first: 1, filter: { nameContains: "s" }, orderBy: [{ field: NAME, direction: DESC }]) { totalCount edges { cursor node { name } } pageInfo { endCursor hasNextPage } } }`,
      ],
      [
        `{ registeredModel(name: "sc") { versions(first: 1, orderBy: [{ field: VERSION, direction: ASC }]) { totalCount edges { cursor node { version } } } version(number: 1) { version } versionByAlias(alias: "champion") { version } } }`,
      ],
      [`query($alias: String) { modelVersion(name: "sc", alias: $alias) { ${VERSION_FIELDS} } }`, { alias: 'champion' }],
      [
        `{ modelVersion(name: "sc", version: 3) { version transitionRequests { totalCount edges { node { status } } } deployments { totalCount } stageHistory { toStage } } }`,
      ],
      [`{ modelVersion(name: "sc", alias: "nobody") { version } }`],
      [`{ modelVersions(first: 2, filter: { stages: [STAGING] }) { totalCount edges { node { version ${MODEL} } } } }`],
      [`query($id: ID!) { node(id: $id) { id ... on RegisteredModel { name } } }`, { id: ids.registeredModel.id }],
      [
        `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on ModelVersion { version metrics { key } } } }`,
        { ids: [ids.registeredModel.version.id, 'bogus'] },
      ],
      [`{ auditEvents(first: 3) { totalCount edges { node { action } } } }`],
      [`{ transitionRequests(first: 3) { edges { node { status modelVersion { version } } } } }`],
      [`{ governancePolicy(modelName: "sc", stage: STAGING) { requiredApprovals } }`],
      [`{ environments { name currentDeployments { totalCount } } environment(name: "staging") { stats { succeeded } } }`],
      [`{ deployments(first: 3) { totalCount edges { node { status modelVersion { version } } } } }`],
      [`{ webhooks { name deliveries { totalCount } } webhook(name: "hook") { name } }`],
      // Mixed: a registry read beside one that is not.
      [`{ registeredModel(name: "sc") { name } auditEvents(first: 1) { totalCount } }`],
    ];
    for (const [query, variables] of queries) {
      const result = await counted(query, variables);
      expect({ query, errors: result.errors }).toEqual({ query, errors: undefined });
    }
  });

  it('is what refused and failed requests ran', async () => {
    const cases: [string, Record<string, unknown>?, { token?: string | null }?][] = [
      [`{ nope }`],
      [`query($first: Int!) { registeredModels(first: $first) { totalCount } }`, { first: 'many' }],
      [`{ registeredModels(first: -1) { totalCount } }`],
      [`{ modelVersion(name: "sc") { version } }`],
      [`{ viewer { name } }`, {}, { token: null }],
    ];
    for (const [query, variables, options] of cases) {
      const result = await counted(query, variables, options);
      expect(result.errors?.length).toBeGreaterThan(0);
    }
  });

  it('is exact for concurrent requests too', async () => {
    const before = await settled();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        i % 3 === 0
          ? api.gql(
              `mutation($v: String!) { setRegisteredModelTag(input: { name: "sc", key: "n", value: $v }) { registeredModel { tags { key } } } }`,
              {
                v: String(i),
              },
            )
          : i % 3 === 1
            ? api.gql(`{ registeredModels(first: 5) { totalCount edges { node { name latestVersions { version metrics { key } } } } } }`)
            : api.gql(`{ auditEvents(first: 2) { edges { node { action } } } modelVersion(name: "sc", version: 1) { version } }`),
      ),
    );
    const ran = (await settled()) - before;
    for (const result of results) expect(result.errors).toBeUndefined();
    expect(results.reduce((sum, r) => sum + r.statements, 0)).toBe(ran);
  });
});
