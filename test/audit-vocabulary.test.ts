import { AUDIT_ACTIONS, type AuditAction, type AuditDetails } from '../src/domain/audit';
import { fromGlobalId } from '../src/domain/ids';
import { GovAuditEventsDocument } from './__generated__/graphql';
import { model, request, team } from './governance-fixtures';
import { startApi, type TestApi } from './support/api';

/*
 * One rule across every audit action, the way one invariant is checked across all entities: the
 * registry is driven through every action the vocabulary (src/domain/audit.ts) has, and every
 * event's details must have exactly its action's keys, each of its kind. Ids are public global
 * ids, never row ids. An action added to the vocabulary fails to compile here until it has a shape.
 */
type Kind =
  | 'string'
  | 'string?'
  | 'number'
  | 'number?'
  | 'boolean'
  | 'stage'
  | 'requestId'
  | 'requestId?'
  | 'requestIds'
  | 'strings'
  | 'keyValues'
  | 'numbers'
  | 'gates'
  | 'environmentId'
  | 'deploymentId'
  | 'deploymentId?'
  | 'object'
  | 'webhookId'
  | 'auditEventId'
  | `one of ${string}`;

const STAGE = 'one of NONE STAGING PRODUCTION ARCHIVED';
const STATUS = 'one of PENDING IN_PROGRESS SUCCEEDED FAILED CANCELLED';
const SHAPES: { [A in AuditAction]: Record<keyof AuditDetails[A], Kind> } = {
  MODEL_CREATED: { description: 'string?', tags: 'keyValues' },
  MODEL_UPDATED: { description: 'string?' },
  MODEL_RENAMED: { oldName: 'string', newName: 'string' },
  MODEL_DELETED: { lastVersion: 'number' },
  TAG_SET: { key: 'string', value: 'string' },
  TAG_DELETED: { key: 'string' },
  VERSION_CREATED: { source: 'string', runId: 'string?', tags: 'keyValues', metrics: 'keyValues' },
  VERSION_UPDATED: { description: 'string?' },
  VERSION_DELETED: { aliases: 'strings', cancelledRequests: 'requestIds' },
  METRICS_LOGGED: { metrics: 'keyValues' },
  ALIAS_SET: { alias: 'string', version: 'number', previousVersion: 'number?' },
  ALIAS_DELETED: { alias: 'string' },
  POLICY_SET: {
    scope: 'one of MODEL REGISTRY',
    stage: STAGE,
    requiredApprovals: 'number',
    allowSelfApproval: 'boolean',
    metricGates: 'gates',
  },
  TRANSITION_REQUESTED: {
    requestId: 'requestId',
    fromStage: STAGE,
    toStage: STAGE,
    archiveExistingVersions: 'boolean',
    requiredApprovals: 'number',
    comment: 'string?',
  },
  TRANSITION_APPROVED: {
    requestId: 'requestId',
    approvals: 'number',
    requiredApprovals: 'number',
    applied: 'boolean',
    automatic: 'boolean',
    comment: 'string?',
    metrics: 'numbers',
  },
  TRANSITION_REJECTED: { requestId: 'requestId', fromStage: STAGE, toStage: STAGE, comment: 'string?' },
  TRANSITION_CANCELLED: {
    requestId: 'requestId',
    fromStage: STAGE,
    toStage: STAGE,
    reason: 'one of CANCELLED SUPERSEDED VERSION_DELETED',
    comment: 'string?',
  },
  STAGE_CHANGED: {
    fromStage: STAGE,
    toStage: STAGE,
    requestId: 'requestId?',
    reason: 'one of DIRECT REQUEST_APPROVED ARCHIVED_BY_PROMOTION',
    archiveExistingVersions: 'boolean',
    promotedVersion: 'number?',
    comment: 'string?',
  },
  API_KEY_CREATED: { name: 'string', roles: 'strings' },
  API_KEY_REVOKED: { name: 'string', roles: 'strings' },
  ENVIRONMENT_CREATED: { environmentId: 'environmentId', name: 'string', description: 'string?', requiredStage: STAGE },
  ENVIRONMENT_UPDATED: {
    environmentId: 'environmentId',
    name: 'string',
    description: 'string?',
    requiredStage: STAGE,
    previousRequiredStage: STAGE,
  },
  ENVIRONMENT_DELETED: { environmentId: 'environmentId', name: 'string', removedDeployments: 'number' },
  DEPLOYMENT_STARTED: { deploymentId: 'deploymentId', environment: 'string', stage: STAGE, config: 'object' },
  DEPLOYMENT_STATUS_REPORTED: {
    deploymentId: 'deploymentId',
    environment: 'string',
    fromStatus: STATUS,
    status: STATUS,
    message: 'string?',
    endpointUrl: 'string?',
    replacedDeploymentId: 'deploymentId?',
  },
  DEPLOYMENT_CANCELLED: {
    deploymentId: 'deploymentId',
    environment: 'string',
    fromStatus: STATUS,
    reason: 'one of CANCELLED VERSION_DELETED',
    comment: 'string?',
  },
  DEPLOYMENT_ROLLED_BACK: {
    deploymentId: 'deploymentId',
    environment: 'string',
    rollbackOf: 'deploymentId',
    fromVersion: 'number?',
    toVersion: 'number',
    comment: 'string?',
  },
  WEBHOOK_CREATED: {
    webhookId: 'webhookId',
    name: 'string',
    origin: 'string',
    actions: 'strings',
    modelNames: 'strings',
    active: 'boolean',
  },
  WEBHOOK_UPDATED: {
    webhookId: 'webhookId',
    name: 'string',
    origin: 'string',
    actions: 'strings',
    modelNames: 'strings',
    active: 'boolean',
  },
  WEBHOOK_DELETED: { webhookId: 'webhookId', name: 'string' },
  WEBHOOK_REDELIVERED: { webhookId: 'webhookId', name: 'string', afterEventId: 'auditEventId', queued: 'number' },
  DEPLOYMENT_OUT_OF_POLICY: {
    deploymentId: 'deploymentId',
    environment: 'string',
    reason: 'one of STAGE_CHANGED REQUIRED_STAGE_RAISED',
    requiredStage: STAGE,
    previousRequiredStage: STAGE,
    fromStage: STAGE,
    toStage: STAGE,
  },
};

const isRequestId = (v: unknown) => typeof v === 'string' && fromGlobalId(v)?.type === 'TransitionRequest';
const isGlobalId = (type: string) => (v: unknown) => typeof v === 'string' && fromGlobalId(v)?.type === type;
const isKeyValue = (v: unknown) => typeof v === 'object' && v !== null && Object.keys(v).sort().join() === 'key,value';

function fits(kind: Kind, value: unknown): boolean {
  if (kind.endsWith('?')) return value === null || fits(kind.slice(0, -1) as Kind, value);
  if (kind.startsWith('one of '))
    return kind
      .slice(7)
      .split(' ')
      .includes(value as string);
  switch (kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return typeof value === kind;
    case 'requestId':
      return isRequestId(value);
    case 'environmentId':
      return isGlobalId('Environment')(value);
    case 'deploymentId':
      return isGlobalId('Deployment')(value);
    case 'webhookId':
      return isGlobalId('Webhook')(value);
    case 'auditEventId':
      return isGlobalId('AuditEvent')(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'requestIds':
      return Array.isArray(value) && value.every(isRequestId);
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'keyValues':
      return Array.isArray(value) && value.every(isKeyValue);
    case 'numbers':
      return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'number');
    case 'gates':
      return Array.isArray(value) && value.every((g) => Object.keys(g).sort().join() === 'comparator,metric,threshold');
    default:
      return false;
  }
}

let api: TestApi;
beforeAll(async () => {
  // Webhooks to a closed loopback port: recorded, never delivered anywhere.
  api = await startApi({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_DISPATCHER: 'false' });
});
afterAll(() => api.stop());

const run = (document: string, token?: string) => api.data(document, undefined, token ? { token } : {});

const started = async (version: number, environment: string) =>
  (
    (await run(
      `mutation { startDeployment(input: { name: "voc", version: ${version}, environment: "${environment}", config: "{\\"replicas\\":2}" }) { deployment { id } } }`,
    )) as {
      startDeployment: { deployment: { id: string } };
    }
  ).startDeployment.deployment.id;
const report = (id: string, status: string) =>
  run(`mutation { reportDeploymentStatus(input: { id: "${id}", status: ${status}, message: "m" }) { deployment { status } } }`);
const environment = (name: string, requiredStage: string) =>
  run(`mutation { createEnvironment(input: { name: "${name}", requiredStage: ${requiredStage} }) { environment { name } } }`);

/** Every deployment action; versions then: 1 and 3 ARCHIVED, 2 PRODUCTION, 4 NONE (deleted next). */
async function deployments() {
  await environment('voc-env', 'NONE');
  await environment('voc-dev', 'NONE');
  await environment('voc-prod', 'PRODUCTION');
  const first = await started(4, 'voc-env');
  await report(first, 'IN_PROGRESS');
  await report(first, 'SUCCEEDED');
  await report(await started(2, 'voc-env'), 'SUCCEEDED');
  const rollback = (await run('mutation { rollbackDeployment(input: { name: "voc", environment: "voc-env" }) { deployment { id } } }')) as {
    rollbackDeployment: { deployment: { id: string } };
  };
  await report(rollback.rollbackDeployment.deployment.id, 'SUCCEEDED'); // version 4 current again
  await run('mutation { updateEnvironment(input: { name: "voc-env", requiredStage: STAGING }) { environment { name } } }');
  await run(`mutation { cancelDeployment(input: { id: "${await started(2, 'voc-env')}" }) { deployment { status } } }`);
  await started(4, 'voc-dev'); // cancelled by the version's deletion
  await report(await started(2, 'voc-prod'), 'SUCCEEDED');
}

async function webhooks() {
  await run(
    'mutation { createWebhook(input: { name: "voc-hook", url: "http://127.0.0.1:9/hook", actions: ["MODEL_CREATED"] }) { secret } }',
  );
  await run('mutation { updateWebhook(input: { name: "voc-hook", active: false }) { webhook { name } } }');
  const events = (await api.data(GovAuditEventsDocument, { first: 1 })).auditEvents.edges;
  await run(`mutation { redeliverWebhook(input: { name: "voc-hook", afterEventId: "${events[0].node.id}" }) { queued } }`);
  await run('mutation { deleteWebhook(input: { name: "voc-hook" }) { deletedName } }');
}

it('records every action of the vocabulary with exactly its details, ids public', async () => {
  const t = await team(api, 'voc-');
  await run('mutation { createApiKey(input: { name: "voc-temp", roles: [VIEWER] }) { token } }');
  await run('mutation { revokeApiKey(input: { name: "voc-temp" }) { revokedName } }');
  await model(api, 'voc', 4);
  await run('mutation { updateRegisteredModel(input: { name: "voc", description: "d" }) { registeredModel { name } } }');
  await run('mutation { setRegisteredModelTag(input: { name: "voc", key: "k", value: "v" }) { registeredModel { name } } }');
  await run('mutation { deleteRegisteredModelTag(input: { name: "voc", key: "k" }) { registeredModel { name } } }');
  await run('mutation { updateModelVersion(input: { name: "voc", version: 1, description: "d" }) { modelVersion { version } } }');
  await run(
    'mutation { logModelVersionMetrics(input: { name: "voc", version: 1, metrics: [{ key: "précision", value: 0.9 }] }) { modelVersion { version } } }',
  );
  await run('mutation { setModelAlias(input: { name: "voc", alias: "champion", version: 1 }) { registeredModel { name } } }');
  await run('mutation { setModelAlias(input: { name: "voc", alias: "old", version: 4 }) { registeredModel { name } } }');
  await run('mutation { deleteModelAlias(input: { name: "voc", alias: "champion" }) { registeredModel { name } } }');
  await run(
    'mutation { setGovernancePolicy(input: { modelName: "voc", stage: PRODUCTION, requiredApprovals: 1, metricGates: [{ metric: "accuracy", comparator: GTE, threshold: 0.5 }] }) { policy { stage } } }',
  );
  // A request applied at once (ARCHIVED needs no approval), approved ones, a superseded one.
  await request(api, t.bot, 'voc', 3, 'ARCHIVED');
  await run('mutation { transitionModelVersionStage(input: { name: "voc", version: 1, toStage: PRODUCTION }) { modelVersion { stage } } }');
  await request(api, t.bot, 'voc', 1, 'STAGING'); // superseded when version 1 is archived by the promotion below
  const promote = await request(api, t.bot, 'voc', 2, 'PRODUCTION', true);
  await run(`mutation { approveTransitionRequest(input: { id: "${promote}", comment: "ok" }) { transitionRequest { status } } }`, t.alice);
  const rejected = await request(api, t.bot, 'voc', 4, 'STAGING');
  await run(`mutation { rejectTransitionRequest(input: { id: "${rejected}" }) { transitionRequest { status } } }`, t.alice);
  const cancelled = await request(api, t.bot, 'voc', 4, 'STAGING');
  await run(`mutation { cancelTransitionRequest(input: { id: "${cancelled}" }) { transitionRequest { status } } }`, t.bot);
  await request(api, t.bot, 'voc', 4, 'STAGING'); // cancelled by the version's deletion
  await deployments();
  await run('mutation { deleteModelVersion(input: { name: "voc", version: 4 }) { deletedVersion } }');
  await run('mutation { renameRegisteredModel(input: { name: "voc", newName: "voc-2" }) { registeredModel { name } } }');
  await run('mutation { transitionModelVersionStage(input: { name: "voc-2", version: 2, toStage: ARCHIVED }) { modelVersion { stage } } }');
  // Archiving version 2 puts its deployment to voc-prod out of policy; the environment must go before the model can.
  await run('mutation { deleteEnvironment(input: { name: "voc-prod" }) { deletedName } }');
  await run('mutation { deleteRegisteredModel(input: { name: "voc-2" }) { deletedName } }');
  await webhooks();

  const events = (await api.data(GovAuditEventsDocument, { first: 100 })).auditEvents.edges.map((e) => ({
    action: e.node.action as AuditAction,
    details: JSON.parse(e.node.details) as Record<string, unknown>,
  }));
  expect(events.length).toBeLessThan(100);
  expect([...new Set(events.map((e) => e.action))].sort()).toEqual(Object.keys(SHAPES).sort());
  // The run-time list the filters check is the same vocabulary.
  expect([...AUDIT_ACTIONS].sort()).toEqual(Object.keys(SHAPES).sort());
  for (const { action, details } of events) {
    const shape = SHAPES[action] as Record<string, Kind>;
    expect({ action, keys: Object.keys(details).sort() }).toEqual({ action, keys: Object.keys(shape).sort() });
    for (const [key, kind] of Object.entries(shape)) {
      expect({ action, key, kind, value: details[key], fits: fits(kind, details[key]) }).toMatchObject({ fits: true });
    }
  }
  // Each reason of a cancellation and of a stage change happened.
  const reasons = (action: AuditAction) => new Set(events.filter((e) => e.action === action).map((e) => e.details.reason));
  expect(reasons('TRANSITION_CANCELLED')).toEqual(new Set(['CANCELLED', 'SUPERSEDED', 'VERSION_DELETED']));
  expect(reasons('STAGE_CHANGED')).toEqual(new Set(['DIRECT', 'REQUEST_APPROVED', 'ARCHIVED_BY_PROMOTION']));
  expect(reasons('DEPLOYMENT_CANCELLED')).toEqual(new Set(['CANCELLED', 'VERSION_DELETED']));
  expect(reasons('DEPLOYMENT_OUT_OF_POLICY')).toEqual(new Set(['STAGE_CHANGED', 'REQUIRED_STAGE_RAISED']));
});
