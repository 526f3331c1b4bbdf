import { GovSetPolicyDocument } from './__generated__/graphql';
import { model, request, team, type Team } from './governance-fixtures';
import { startApi, type TestApi } from './support/api';

/*
 * Governance writes read what they decide on once, under the model's lock, and write what the
 * domain decided: these are the exact SQL statements of each, from the server's own counter
 * (x-sql-statements), with the benchmark's documents. Every count includes the token lookup and
 * the COMMIT. PostgreSQL adds the lock (a no-op UPDATE of the model's row); SQLite's connection
 * runs one transaction at a time, which is the lock already. Events add one statement to each
 * write (recordAudit): on PostgreSQL the commit-order lock with its NOTIFY (the webhook outbox
 * rides the audit insert), on SQLite the outbox insert. The ceilings are 12 for an
 * approval that applies and 8 for a request, a rejection or a cancellation.
 */
const EVENTS = 1;
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
let lock: number;
beforeAll(async () => {
  api = await startApi();
  t = await team(api, 'sql-');
  lock = api.db.provider === 'postgres' ? 1 : 0;
});
afterAll(() => api.stop());

async function statements(document: string, input: Record<string, unknown>, token: string): Promise<number> {
  const result = await api.gql(document, { input } as never, { token });
  expect(result.errors).toBeUndefined();
  return result.statements;
}

it('requests a transition in 5 statements (+ the lock on PostgreSQL, + events)', async () => {
  await model(api, 'sql-request', 1);
  // token, [lock], read, insert request, audit, COMMIT
  expect(await statements(REQUEST, { name: 'sql-request', version: 1, toStage: 'STAGING', comment: 'bench' }, t.bot)).toBe(
    5 + lock + EVENTS,
  );
});

it('approves and applies in 9 statements on both databases (+ events)', async () => {
  await model(api, 'sql-approve', 1);
  const id = await request(api, t.bot, 'sql-approve', 1, 'STAGING');
  // token, [lock], read, decision (+ request status on SQLite), version, stage transition, model, audit, COMMIT;
  // the payload's version comes from the write, not from another read.
  expect(await statements(APPROVE, { id, comment: 'lgtm' }, t.alice)).toBe(9 + EVENTS);
});

it('applies an archiving promotion that supersedes requests in 11 statements (+ events)', async () => {
  await model(api, 'sql-archive', 3);
  const direct = (version: number) =>
    api.data(
      `mutation { transitionModelVersionStage(input: { name: "sql-archive", version: ${version}, toStage: STAGING }) { modelVersion { stage } } }`,
    );
  await direct(1);
  await direct(2);
  await request(api, t.bot, 'sql-archive', 2, 'PRODUCTION'); // superseded when version 2 is archived
  const id = await request(api, t.bot, 'sql-archive', 3, 'STAGING', true);
  // + the archived versions' stage, + the superseded requests
  expect(await statements(APPROVE, { id }, t.alice)).toBe(11 + EVENTS);
});

it('counts an approval that does not apply yet in 5 statements (+ the lock on PostgreSQL, + events)', async () => {
  await model(api, 'sql-first', 1);
  await api.data(GovSetPolicyDocument, { input: { modelName: 'sql-first', stage: 'STAGING', requiredApprovals: 2 } });
  const id = await request(api, t.bot, 'sql-first', 1, 'STAGING');
  // token, [lock], read, decision, audit, COMMIT
  expect(await statements(APPROVE, { id }, t.alice)).toBe(5 + lock + EVENTS);
});

it('rejects in 6 statements on both databases (+ events)', async () => {
  await model(api, 'sql-reject', 1);
  const id = await request(api, t.bot, 'sql-reject', 1, 'STAGING');
  // token, [lock], read, decision and status (one statement on PostgreSQL, two on SQLite), audit, COMMIT
  expect(await statements(REJECT, { id, comment: 'no' }, t.alice)).toBe(6 + EVENTS);
});

it('cancels in 5 statements (+ the lock on PostgreSQL, + events)', async () => {
  await model(api, 'sql-cancel', 1);
  const id = await request(api, t.bot, 'sql-cancel', 1, 'STAGING');
  // token, [lock], read, status, audit, COMMIT
  expect(await statements(CANCEL, { id }, t.bot)).toBe(5 + lock + EVENTS);
});
