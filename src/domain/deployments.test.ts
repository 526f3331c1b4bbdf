import {
  admits,
  canMove,
  decideCancel,
  decideReport,
  decideStart,
  leavesPolicy,
  successRate,
  validateConfig,
  validateEndpointUrl,
  validateEnvironmentName,
  validateMessage,
  validateReportedStatus,
  validateRequiredStage,
  type DeploymentStatus,
  type StartState,
} from './deployments';
import { DomainError } from './errors';
import { Role, type Principal } from './roles';
import type { Stage } from './stages';

function errorOf(fn: () => unknown): DomainError | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
}
const codeOf = (fn: () => unknown) => errorOf(fn)?.code ?? null;

const STAGES: Stage[] = ['NONE', 'STAGING', 'PRODUCTION', 'ARCHIVED'];

describe('the stage gate', () => {
  it.each<[Stage, Stage[]]>([
    ['NONE', ['NONE', 'STAGING', 'PRODUCTION']],
    ['STAGING', ['STAGING', 'PRODUCTION']],
    ['PRODUCTION', ['PRODUCTION']],
    ['ARCHIVED', []],
  ])('an environment requiring %s admits %j', (required, admitted) => {
    expect(STAGES.filter((stage) => admits(required, stage))).toEqual(admitted);
  });

  it.each<[Stage, Stage, Stage, boolean]>([
    ['PRODUCTION', 'PRODUCTION', 'ARCHIVED', true],
    ['PRODUCTION', 'PRODUCTION', 'STAGING', true],
    ['STAGING', 'PRODUCTION', 'STAGING', false],
    ['STAGING', 'STAGING', 'NONE', true],
    ['NONE', 'STAGING', 'ARCHIVED', true],
    ['NONE', 'NONE', 'STAGING', false],
    // Already out of policy: moving further out is no new event.
    ['PRODUCTION', 'STAGING', 'ARCHIVED', false],
    ['PRODUCTION', 'ARCHIVED', 'PRODUCTION', false],
  ])('requiring %s, %s -> %s leaves the policy: %s', (required, from, to, expected) => {
    expect(leavesPolicy(required, from, to)).toBe(expected);
  });

  it('refuses ARCHIVED as a required stage', () => {
    expect(codeOf(() => validateRequiredStage('ARCHIVED'))).toBe('BAD_USER_INPUT');
    expect(errorOf(() => validateRequiredStage('ARCHIVED'))!.details).toEqual({ field: 'requiredStage' });
    expect(validateRequiredStage('PRODUCTION')).toBe('PRODUCTION');
  });
});

describe('environment names', () => {
  it.each([
    ['prod-eu', true],
    ['a', true],
    ['staging_2', true],
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['', false],
    ['Prod', false],
    ['1prod', false],
    ['-prod', false],
    ['prod eu', false],
    ['prod.eu', false],
    ['prød', false],
  ])('%j is valid: %s', (name, valid) => {
    expect(codeOf(() => validateEnvironmentName(name))).toBe(valid ? null : 'BAD_USER_INPUT');
  });
});

describe('config', () => {
  it.each([
    [undefined, '{}'],
    [null, '{}'],
    ['{}', '{}'],
    ['{ "replicas": 3, "gpu": { "type": "a100" } }', '{"replicas":3,"gpu":{"type":"a100"}}'],
  ])('%j is stored as %j', (input, stored) => {
    expect(validateConfig(input)).toBe(stored);
  });

  it.each(['[]', '[1]', 'null', '3', '"text"', 'true', '{', 'replicas: 3', ''])('%j is refused, naming config', (input) => {
    const error = errorOf(() => validateConfig(input));
    expect(error?.code).toBe('BAD_USER_INPUT');
    expect(error?.details.field).toBe('config');
  });

  it('takes 64 KiB and no byte more (UTF-8 bytes, not characters)', () => {
    const fill = (n: number) => `{"a":"${'x'.repeat(n - 8)}"}`;
    expect(fill(65536)).toHaveLength(65536);
    expect(validateConfig(fill(65536))).toHaveLength(65536);
    expect(errorOf(() => validateConfig(fill(65537)))?.details).toMatchObject({ field: 'config', max: 65536 });
    // 22,000 three-byte characters: 66,000 bytes.
    expect(codeOf(() => validateConfig(`{"a":"${'€'.repeat(22_000)}"}`))).toBe('BAD_USER_INPUT');
  });
});

describe('endpointUrl and message', () => {
  it.each([
    ['https://fraud.prod-eu.example.com/v1/predict', true],
    ['http://10.0.0.7:8080/', true],
    ['ftp://example.com/model', false],
    ['javascript:alert(1)', false],
    ['example.com/predict', false],
    ['https://', false],
    ['https://exa mple.com/', false],
    [`https://example.com/${'a'.repeat(2000)}`, false],
  ])('%j is an endpoint URL: %s', (url, valid) => {
    const error = errorOf(() => validateEndpointUrl(url));
    expect(error?.code ?? null).toBe(valid ? null : 'BAD_USER_INPUT');
    if (error) expect(error.details.field).toBe('endpointUrl');
  });

  it('takes messages up to 2000 characters', () => {
    expect(validateMessage('x'.repeat(2000))).toHaveLength(2000);
    expect(errorOf(() => validateMessage('x'.repeat(2001)))?.details).toMatchObject({ field: 'message', max: 2000 });
    expect(validateMessage(undefined)).toBeNull();
  });
});

describe('the status machine', () => {
  const ALL: DeploymentStatus[] = ['PENDING', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
  it.each<[DeploymentStatus, DeploymentStatus[]]>([
    ['PENDING', ['IN_PROGRESS', 'SUCCEEDED', 'FAILED']],
    ['IN_PROGRESS', ['SUCCEEDED', 'FAILED']],
    ['SUCCEEDED', []],
    ['FAILED', []],
    ['CANCELLED', []],
  ])('%s may become %j by a report', (from, to) => {
    expect(ALL.filter((s) => canMove(from, s))).toEqual(to);
  });

  it.each<[DeploymentStatus, string | null]>([
    ['IN_PROGRESS', null],
    ['SUCCEEDED', null],
    ['FAILED', null],
    ['PENDING', 'BAD_USER_INPUT'],
    ['CANCELLED', 'BAD_USER_INPUT'],
  ])('reporting %s is %s', (status, code) => {
    expect(codeOf(() => validateReportedStatus(status))).toBe(code);
  });
});

describe('who may report and cancel', () => {
  const bot: Principal = { id: 1, name: 'deploy-bot', roles: [Role.CONTRIBUTOR] };
  const other: Principal = { id: 2, name: 'other-bot', roles: [Role.APPROVER] };
  const admin: Principal = { id: 3, name: 'root', roles: [Role.ADMIN] };
  const who = { bot, other, admin };

  it.each<[string, keyof typeof who, DeploymentStatus, DeploymentStatus, string | null]>([
    ['the starter', 'bot', 'PENDING', 'IN_PROGRESS', null],
    ['an ADMIN', 'admin', 'IN_PROGRESS', 'SUCCEEDED', null],
    ['an APPROVER who did not start it', 'other', 'PENDING', 'IN_PROGRESS', 'FORBIDDEN'],
    // FORBIDDEN comes first: a stranger learns nothing about the deployment's state.
    ['a stranger, on a finished deployment', 'other', 'SUCCEEDED', 'FAILED', 'FORBIDDEN'],
    ['the starter, on a finished deployment', 'bot', 'FAILED', 'SUCCEEDED', 'CONFLICT'],
    ['the starter, IN_PROGRESS again', 'bot', 'IN_PROGRESS', 'IN_PROGRESS', 'CONFLICT'],
  ])('a report by %s (%s): %s -> %s gives %s', (_who, actor, from, to, code) => {
    expect(codeOf(() => decideReport({ status: from, startedBy: 'deploy-bot' }, who[actor], to))).toBe(code);
  });

  it.each<[keyof typeof who, DeploymentStatus, string | null]>([
    ['bot', 'PENDING', null],
    ['bot', 'IN_PROGRESS', null],
    ['admin', 'PENDING', null],
    ['other', 'PENDING', 'FORBIDDEN'],
    ['bot', 'SUCCEEDED', 'CONFLICT'],
    ['admin', 'CANCELLED', 'CONFLICT'],
  ])('a cancel by %s of a %s deployment gives %s', (actor, status, code) => {
    expect(codeOf(() => decideCancel({ status, startedBy: 'deploy-bot' }, who[actor]))).toBe(code);
  });
});

describe('starting a deployment', () => {
  const state = (
    over: Partial<StartState['version']> = {},
    requiredStage: Stage = 'PRODUCTION',
    active: string | null = null,
  ): StartState => ({
    version: { version: 7, stage: 'PRODUCTION', status: 'READY', deleted: false, ...over },
    environment: { name: 'prod-eu', requiredStage },
    activeDeploymentId: active,
  });

  it.each<[string, string | null, StartState]>([
    ['a PRODUCTION version to a PRODUCTION environment', null, state()],
    ['a STAGING version to a STAGING environment', null, state({ stage: 'STAGING' }, 'STAGING')],
    ['a NONE version to a NONE environment', null, state({ stage: 'NONE' }, 'NONE')],
    ['a deleted version', 'CONFLICT', state({ deleted: true })],
    ['a version that is not READY', 'CONFLICT', state({ status: 'PENDING_REGISTRATION' })],
    ['a STAGING version to a PRODUCTION environment', 'POLICY_VIOLATION', state({ stage: 'STAGING' })],
    ['an ARCHIVED version to a NONE environment', 'POLICY_VIOLATION', state({ stage: 'ARCHIVED' }, 'NONE')],
    ['while another deployment is active', 'CONFLICT', state({}, 'PRODUCTION', 'RGVwbG95bWVudDox')],
    // The gate comes before the active check: the policy is the more useful answer.
    ['a STAGING version while another is active', 'POLICY_VIOLATION', state({ stage: 'STAGING' }, 'PRODUCTION', 'x')],
  ])('%s gives %s', (_what, code, s) => {
    expect(codeOf(() => decideStart(s))).toBe(code);
  });

  it('names the rule and the existing deployment', () => {
    expect(errorOf(() => decideStart(state({ stage: 'ARCHIVED' })))!.details).toEqual({
      violations: [{ rule: 'REQUIRED_STAGE', message: expect.stringContaining('requires PRODUCTION') }],
    });
    expect(errorOf(() => decideStart(state({}, 'PRODUCTION', 'RGVwbG95bWVudDox')))!.details).toEqual({
      existingDeploymentId: 'RGVwbG95bWVudDox',
    });
  });
});

describe('successRate', () => {
  it.each([
    [0, 0, null],
    [3, 1, 0.75],
    [0, 2, 0],
    [5, 0, 1],
  ])('%i succeeded, %i failed: %p', (succeeded, failed, rate) => {
    expect(successRate({ succeeded, failed })).toBe(rate);
  });
});
