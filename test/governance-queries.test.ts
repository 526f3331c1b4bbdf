import {
  GovApproveDocument,
  GovAuditEventsDocument,
  GovModelRequestsDocument,
  GovNodeDocument,
  GovRequestsDocument,
  GovVersionDocument,
} from './__generated__/graphql';
import { model, request, team, type Team } from './governance-fixtures';
import { codes, startApi, type TestApi } from './support/api';

let api: TestApi;
let t: Team;
const ids: Record<string, string> = {};
beforeAll(async () => {
  api = await startApi();
  t = await team(api);
  await model(api, 'alpha', 3);
  await model(api, 'beta', 2);
  ids.a1s = await request(api, t.bot, 'alpha', 1, 'STAGING');
  ids.a1p = await request(api, t.bot, 'alpha', 1, 'PRODUCTION');
  ids.a2s = await request(api, t.otherBot, 'alpha', 2, 'STAGING');
  ids.b1s = await request(api, t.bot, 'beta', 1, 'STAGING');
  ids.a3s = await request(api, t.otherBot, 'alpha', 3, 'STAGING');
  await api.data(GovApproveDocument, { input: { id: ids.a2s } }, { token: t.alice });
});
afterAll(() => api.stop());

describe('Query.transitionRequests', () => {
  it('lists requests newest first and filters by model, status, target and requester', async () => {
    const all = (await api.data(GovRequestsDocument, {})).transitionRequests;
    expect(all.totalCount).toBe(5);
    expect(all.edges.map((e) => e.node.id)).toEqual([ids.a3s, ids.b1s, ids.a2s, ids.a1p, ids.a1s]);
    const filtered = async (filter: object) =>
      (await api.data(GovRequestsDocument, { filter })).transitionRequests.edges.map((e) => e.node.id);
    expect(await filtered({ modelName: 'beta' })).toEqual([ids.b1s]);
    expect(await filtered({ status: ['APPROVED'] })).toEqual([ids.a2s]);
    expect(await filtered({ status: ['APPROVED', 'PENDING'], modelName: 'alpha', toStage: 'STAGING' })).toEqual([
      ids.a3s,
      ids.a2s,
      ids.a1s,
    ]);
    expect(await filtered({ requestedBy: 'other-bot' })).toEqual([ids.a3s, ids.a2s]);
    expect(await filtered({ modelName: 'nope' })).toEqual([]);
  });

  it('pages with keyset cursors: no repeats, no gaps, and new requests do not shift later pages', async () => {
    const seen: string[] = [];
    let after: string | null;
    const first = (await api.data(GovRequestsDocument, { first: 2 })).transitionRequests;
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    seen.push(...first.edges.map((e) => e.node.id));
    after = first.pageInfo.endCursor;
    // A request created now is newer than every page still to come: it does not shift them.
    const late = await request(api, t.bot, 'beta', 2, 'STAGING');
    for (;;) {
      const page = (await api.data(GovRequestsDocument, { first: 2, after })).transitionRequests;
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([ids.a3s, ids.b1s, ids.a2s, ids.a1p, ids.a1s]);
    expect((await api.data(GovRequestsDocument, { first: 1 })).transitionRequests.edges[0].node.id).toBe(late);
  });

  it('refuses bad page sizes and foreign cursors', async () => {
    expect(codes(await api.gql(GovRequestsDocument, { first: 101 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await api.gql(GovRequestsDocument, { first: -1 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await api.gql(GovRequestsDocument, { after: 'nonsense' }))).toEqual(['BAD_USER_INPUT']);
    const auditCursor = (await api.data(GovAuditEventsDocument, { first: 1 })).auditEvents.pageInfo.endCursor!;
    expect(codes(await api.gql(GovRequestsDocument, { after: auditCursor }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('requests of a version and of a model', () => {
  it('are connections with a status filter, newest first, paged', async () => {
    const v = (await api.data(GovVersionDocument, { name: 'alpha', version: 1 })).modelVersion!;
    expect(v.transitionRequests.totalCount).toBe(2);
    expect(v.transitionRequests.edges.map((e) => e.node.id)).toEqual([ids.a1p, ids.a1s]);
    const page1 = (await api.data(GovVersionDocument, { name: 'alpha', version: 1, first: 1 })).modelVersion!.transitionRequests;
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await api.data(GovVersionDocument, { name: 'alpha', version: 1, first: 1, after: page1.pageInfo.endCursor }))
      .modelVersion!.transitionRequests;
    expect(page2.edges.map((e) => e.node.id)).toEqual([ids.a1s]);
    expect(page2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const approved = (await api.data(GovVersionDocument, { name: 'alpha', version: 2, status: ['APPROVED'] })).modelVersion!
      .transitionRequests;
    expect(approved.edges.map((e) => e.node.id)).toEqual([ids.a2s]);

    const m = (await api.data(GovModelRequestsDocument, { name: 'alpha', status: ['PENDING'] })).registeredModel!.transitionRequests;
    expect(m.totalCount).toBe(3);
    expect(m.edges.map((e) => [e.node.id, e.node.modelVersion.version])).toEqual([
      [ids.a3s, 3],
      [ids.a1p, 1],
      [ids.a1s, 1],
    ]);
    // A cursor of one version's list is refused on another's.
    expect(codes(await api.gql(GovVersionDocument, { name: 'alpha', version: 3, after: page1.pageInfo.endCursor }))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });
});

describe('Query.auditEvents', () => {
  it('lists newest first, filters by model, actions, actor and time, and pages', async () => {
    const all = (await api.data(GovAuditEventsDocument, { first: 100 })).auditEvents;
    const times = all.edges.map((e) => new Date(e.node.at).getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    for (const e of all.edges) expect(() => JSON.parse(e.node.details)).not.toThrow();
    expect((await api.data(GovNodeDocument, { id: all.edges[0].node.id })).node).toEqual({
      id: all.edges[0].node.id,
      action: all.edges[0].node.action,
    });

    const beta = (await api.data(GovAuditEventsDocument, { filter: { modelName: 'beta', actions: ['TRANSITION_REQUESTED'] } })).auditEvents;
    expect(beta.edges.map((e) => [e.node.action, e.node.version])).toEqual([
      ['TRANSITION_REQUESTED', 2],
      ['TRANSITION_REQUESTED', 1],
    ]);
    const byAlice = (await api.data(GovAuditEventsDocument, { filter: { actor: 'alice' } })).auditEvents;
    expect(byAlice.edges.map((e) => e.node.action)).toEqual(['STAGE_CHANGED', 'TRANSITION_APPROVED']);

    const middle = all.edges[Math.floor(all.edges.length / 2)].node.at;
    const since = (await api.data(GovAuditEventsDocument, { filter: { since: middle }, first: 100 })).auditEvents;
    const until = (await api.data(GovAuditEventsDocument, { filter: { until: middle }, first: 100 })).auditEvents;
    expect(since.totalCount + until.totalCount).toBe(all.totalCount);
    for (const e of since.edges) expect(new Date(e.node.at).getTime()).toBeGreaterThanOrEqual(new Date(middle).getTime());

    const seen: string[] = [];
    let after: string | null | undefined;
    do {
      const page = (await api.data(GovAuditEventsDocument, { first: 7, after })).auditEvents;
      seen.push(...page.edges.map((e) => e.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : undefined;
    } while (after);
    expect(seen).toEqual(all.edges.map((e) => e.node.id));
  });
});

describe('statement counts', () => {
  const deep = `query($first: Int) { transitionRequests(first: $first) { totalCount edges { node {
    id decisions { approver }
    modelVersion { version stageHistory { toStage request { id decisions { approver } } } transitionRequests(first: 5) { totalCount edges { node { id } } }
      model { name policies { stage requiredApprovals } transitionRequests(status: [PENDING]) { totalCount } } }
  } } } }`;

  it('do not grow with the number of requests returned', async () => {
    // Both pages hold an applied request (with history), so both need every loader.
    const few = await api.gql(deep, { first: 4 });
    const many = await api.gql(deep, { first: 6 });
    expect(few.errors).toBeUndefined();
    expect(many.errors).toBeUndefined();
    expect((many.data as { transitionRequests: { edges: unknown[] } }).transitionRequests.edges).toHaveLength(6);
    expect(many.statements).toBe(few.statements);
    expect(many.statements).toBeLessThanOrEqual(12);
  });
});
