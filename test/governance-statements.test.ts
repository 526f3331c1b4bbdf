import { GovSetPolicyDocument } from './__generated__/graphql';
import { model, request, team, type Team } from './governance-fixtures';
import { startApi, type TestApi } from './support/api';

/*
 * Governance writes read what they decide on once, under the model's lock, and write what the
 * domain decided in hand-written SQL on the driver (src/db/direct.ts): these are the exact SQL
 * statements of each, from the server's own counter (x-sql-statements), with the benchmark's
 * documents. Every count includes the token lookup, BEGIN and COMMIT.
 * - PostgreSQL: the lock (a no-op UPDATE of the model's row), the read, then every write in ONE
 *   statement of data-modifying CTEs, with the audit events, their webhook deliveries and the
 *   event-order lock with its NOTIFY. A request adds the insert that gives its id.
 * - SQLite: the connection runs one transaction at a time, which is the lock already; each write
 *   is a statement of its own (in process, no round trip), then the audit insert and the outbox.
 * The ceilings are 12 for an approval that applies and 8 for a request, a rejection or a
 * cancellation.
 */
const COUNTS = {
  sqlite: { request: 7, approve: 11, archivingApprove: 12, approveNotYet: 7, reject: 8, cancel: 7 },
  postgres: { request: 7, approve: 6, archivingApprove: 6, approveNotYet: 6, reject: 6, cancel: 6 },
};
const REQUEST = `mutation RequestTransition($input: RequestStageTransitionInput!) {
  requestStageTransition(input: $input) { transitionRequest { id status toStage } }
}`;
const APPROVE = `mutation ApproveTransition($input: DecideTransitionRequestInput!) {
  approveTransitionRequest(input: $input) { transitionRequest { id status toStage modelVersion { version stage } } }
}`;
const REJECT = `mutation Reject($input: DecideTransitionRequestInput!) {
  rejectTransitionRequest(input: $input) { transitionRequest { id status toStage modelVersion { version stage } } }
}`;
const CANCEL = `mutation Cancel($input: CancelTransitionRequestInput!) {
  cancelTransitionRequest(input: $input) { transitionRequest { id status toStage modelVersion { version stage } } }
}`;

let api: TestApi;
let t: Team;
let counts: (typeof COUNTS)['sqlite'];
beforeAll(async () => {
  api = await startApi();
  t = await team(api, 'sql-');
  counts = COUNTS[api.db.provider];
});
afterAll(() => api.stop());

async function statements(document: string, input: Record<string, unknown>, token: string): Promise<number> {
  const result = await api.gql(document, { input } as never, { token });
  expect(result.errors).toBeUndefined();
  return result.statements;
}

it('requests a transition in 7 statements', async () => {
  await model(api, 'sql-request', 1);
  // token, BEGIN, read, insert request, then SQLite: audit, outbox; PostgreSQL: lock, the writes; COMMIT
  expect(await statements(REQUEST, { name: 'sql-request', version: 1, toStage: 'STAGING', comment: 'bench' }, t.bot)).toBe(counts.request);
});

it('approves and applies in 6 statements on PostgreSQL, 11 on SQLite', async () => {
  await model(api, 'sql-approve', 1);
  const id = await request(api, t.bot, 'sql-approve', 1, 'STAGING');
  // token, BEGIN, [lock], read, then SQLite: decision, request status, version, stage transition, model, audit,
  // outbox; PostgreSQL: all of them in one; COMMIT. The payload's version comes from the write, not another read.
  expect(await statements(APPROVE, { id, comment: 'lgtm' }, t.alice)).toBe(counts.approve);
});

it('applies an archiving promotion that supersedes requests in 6 statements on PostgreSQL, 12 on SQLite', async () => {
  await model(api, 'sql-archive', 3);
  const direct = (version: number) =>
    api.data(
      `mutation { transitionModelVersionStage(input: { name: "sql-archive", version: ${version}, toStage: STAGING }) { modelVersion { stage } } }`,
    );
  await direct(1);
  await direct(2);
  await request(api, t.bot, 'sql-archive', 2, 'PRODUCTION'); // superseded when version 2 is archived
  const id = await request(api, t.bot, 'sql-archive', 3, 'STAGING', true);
  // + the superseded requests on SQLite (the archived versions move in the target's UPDATE)
  expect(await statements(APPROVE, { id }, t.alice)).toBe(counts.archivingApprove);
});

it('counts an approval that does not apply yet in 6 statements on PostgreSQL, 7 on SQLite', async () => {
  await model(api, 'sql-first', 1);
  await api.data(GovSetPolicyDocument, { input: { modelName: 'sql-first', stage: 'STAGING', requiredApprovals: 2 } });
  const id = await request(api, t.bot, 'sql-first', 1, 'STAGING');
  // token, BEGIN, [lock], read, decision, audit, [outbox], COMMIT
  expect(await statements(APPROVE, { id }, t.alice)).toBe(counts.approveNotYet);
});

it('rejects in 6 statements on PostgreSQL, 8 on SQLite', async () => {
  await model(api, 'sql-reject', 1);
  const id = await request(api, t.bot, 'sql-reject', 1, 'STAGING');
  // token, BEGIN, [lock], read, decision, status, audit, [outbox], COMMIT
  expect(await statements(REJECT, { id, comment: 'no' }, t.alice)).toBe(counts.reject);
});

it('cancels in 6 statements on PostgreSQL, 7 on SQLite', async () => {
  await model(api, 'sql-cancel', 1);
  const id = await request(api, t.bot, 'sql-cancel', 1, 'STAGING');
  // token, BEGIN, [lock], read, status, audit, [outbox], COMMIT
  expect(await statements(CANCEL, { id }, t.bot)).toBe(counts.cancel);
});
