import { badInput, conflict, forbidden, policyViolation } from './errors';
import { validateText } from './names';
import { hasRole, Role, type Principal } from './roles';
import type { Stage } from './stages';

/**
 * The deployment rules of semantics §3: the stage gate, the status machine, who may act on a
 * deployment, and the checks of what a deploy pipeline sends. Pure: services load the state
 * under the model's row lock, ask these, and write what they say.
 */

export type DeploymentStatus = 'PENDING' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** PENDING and IN_PROGRESS: at most one of these per model and environment. */
export function isActive(status: DeploymentStatus): boolean {
  return status === 'PENDING' || status === 'IN_PROGRESS';
}

/** The stages an environment's `requiredStage` admits; ARCHIVED is never admitted. */
const ADMITTED: Record<Stage, ReadonlySet<Stage>> = {
  NONE: new Set<Stage>(['NONE', 'STAGING', 'PRODUCTION']),
  STAGING: new Set<Stage>(['STAGING', 'PRODUCTION']),
  PRODUCTION: new Set<Stage>(['PRODUCTION']),
  ARCHIVED: new Set<Stage>(),
};

/** Whether a version in `stage` may be deployed to an environment requiring `requiredStage`. */
export function admits(requiredStage: Stage, stage: Stage): boolean {
  return ADMITTED[requiredStage].has(stage);
}

/** A stage change that takes a version out of what an environment admits (it was admitted before). */
export function leavesPolicy(requiredStage: Stage, fromStage: Stage, toStage: Stage): boolean {
  return admits(requiredStage, fromStage) && !admits(requiredStage, toStage);
}

const ENVIRONMENT_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** Environment names: 1 to 64 lower-case letters, digits, `-` and `_`, starting with a letter. */
export function validateEnvironmentName(name: string, field = 'name'): string {
  if (!ENVIRONMENT_NAME.test(name)) {
    throw badInput(`${field} must be 1 to 64 lower-case letters, digits, - and _, starting with a letter`, { field, max: 64 });
  }
  return name;
}

/** Whether a string can name an environment (lookups of anything else find nothing). */
export function isEnvironmentName(name: string): boolean {
  return ENVIRONMENT_NAME.test(name);
}

/** ARCHIVED would admit nothing: an environment nothing can be deployed to is a mistake. */
export function validateRequiredStage(stage: Stage): Stage {
  if (stage === 'ARCHIVED')
    throw badInput('requiredStage must be NONE, STAGING or PRODUCTION: ARCHIVED versions are never deployed', { field: 'requiredStage' });
  return stage;
}

export const MAX_CONFIG_BYTES = 64 * 1024;

/** `config`: a JSON object of at most 64 KiB (UTF-8), `{}` when omitted; returned as normalised JSON text. */
export function validateConfig(config: string | null | undefined): string {
  if (config === null || config === undefined) return '{}';
  const bytes = Buffer.byteLength(config, 'utf8');
  if (bytes > MAX_CONFIG_BYTES) {
    throw badInput(`config must be at most ${MAX_CONFIG_BYTES} bytes, got ${bytes}`, { field: 'config', max: MAX_CONFIG_BYTES });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(config);
  } catch {
    throw badInput('config must be a JSON object, and this is not valid JSON', { field: 'config' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badInput('config must be a JSON object', { field: 'config' });
  }
  return JSON.stringify(parsed);
}

export const MAX_MESSAGE = 2000;
export const MAX_URL = 2000;

export function validateMessage(message: string | null | undefined): string | null {
  return validateText(message, 'message', MAX_MESSAGE);
}

/** `endpointUrl`: an absolute http(s) URL, at most 2000 characters. */
export function validateEndpointUrl(url: string | null | undefined): string | null {
  if (url === null || url === undefined) return null;
  if (url.length > MAX_URL)
    throw badInput(`endpointUrl must be at most ${MAX_URL} characters, got ${url.length}`, { field: 'endpointUrl', max: MAX_URL });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badInput('endpointUrl must be an absolute http or https URL', { field: 'endpointUrl' });
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname || /\s/.test(url)) {
    throw badInput('endpointUrl must be an absolute http or https URL', { field: 'endpointUrl' });
  }
  return url;
}

/** What reportDeploymentStatus may report: the rest are reached otherwise (start, cancel). */
const REPORTABLE: ReadonlySet<DeploymentStatus> = new Set<DeploymentStatus>(['IN_PROGRESS', 'SUCCEEDED', 'FAILED']);

export function validateReportedStatus(status: DeploymentStatus): DeploymentStatus {
  if (!REPORTABLE.has(status)) {
    throw badInput(`status must be IN_PROGRESS, SUCCEEDED or FAILED, not ${status}`, { field: 'status' });
  }
  return status;
}

/** The moves reportDeploymentStatus makes; anything else is CONFLICT. */
const MOVES: Record<DeploymentStatus, ReadonlySet<DeploymentStatus>> = {
  PENDING: new Set<DeploymentStatus>(['IN_PROGRESS', 'SUCCEEDED', 'FAILED']),
  IN_PROGRESS: new Set<DeploymentStatus>(['SUCCEEDED', 'FAILED']),
  SUCCEEDED: new Set(),
  FAILED: new Set(),
  CANCELLED: new Set(),
};

export function canMove(from: DeploymentStatus, to: DeploymentStatus): boolean {
  return MOVES[from].has(to);
}

/** The state of a deployment a decision needs. */
export interface DeploymentState {
  status: DeploymentStatus;
  startedBy: string;
}

/** Only the principal that started a deployment, or an ADMIN, reports on it or cancels it. */
export function requireStarterOrAdmin(deployment: DeploymentState, actor: Principal): void {
  if (deployment.startedBy !== actor.name && !hasRole(actor, Role.ADMIN)) {
    throw forbidden(`Only ${deployment.startedBy}, who started this deployment, or an ADMIN may change it`);
  }
}

/** reportDeploymentStatus (semantics §3.2), after the input checks. */
export function decideReport(deployment: DeploymentState, actor: Principal, to: DeploymentStatus): void {
  requireStarterOrAdmin(deployment, actor);
  if (!canMove(deployment.status, to)) {
    throw conflict(`A ${deployment.status} deployment cannot become ${to}`, { status: deployment.status });
  }
}

/** cancelDeployment (semantics §3.4): PENDING or IN_PROGRESS only. */
export function decideCancel(deployment: DeploymentState, actor: Principal): void {
  requireStarterOrAdmin(deployment, actor);
  if (!isActive(deployment.status)) {
    throw conflict(`A ${deployment.status} deployment cannot be cancelled`, { status: deployment.status });
  }
}

export interface StartState {
  version: { version: number; stage: Stage; status: string; deleted: boolean };
  environment: { name: string; requiredStage: Stage };
  /** The public id of the model's PENDING or IN_PROGRESS deployment to this environment, if any. */
  activeDeploymentId: string | null;
}

/** startDeployment and rollbackDeployment (semantics §3.1), after the lookups: which error, if any. */
export function decideStart({ version, environment, activeDeploymentId }: StartState): void {
  if (version.deleted) throw conflict(`Version ${version.version} is deleted`);
  if (version.status !== 'READY') throw conflict(`Version ${version.version} is ${version.status}, not READY`);
  if (!admits(environment.requiredStage, version.stage)) {
    throw policyViolation([
      {
        rule: 'REQUIRED_STAGE',
        message: `Environment "${environment.name}" requires ${admittedText(environment.requiredStage)}; version ${version.version} is in ${version.stage}`,
      },
    ]);
  }
  if (activeDeploymentId !== null) {
    throw conflict(`A deployment of this model to "${environment.name}" is already PENDING or IN_PROGRESS`, {
      existingDeploymentId: activeDeploymentId,
    });
  }
}

function admittedText(requiredStage: Stage): string {
  return requiredStage === 'NONE' ? 'a live version that is not ARCHIVED' : [...ADMITTED[requiredStage]].join(' or ');
}

export interface DeploymentCounts {
  succeeded: number;
  failed: number;
  cancelled: number;
  active: number;
}

/** succeeded / (succeeded + failed); null when neither happened. */
export function successRate(counts: Pick<DeploymentCounts, 'succeeded' | 'failed'>): number | null {
  const decided = counts.succeeded + counts.failed;
  return decided === 0 ? null : counts.succeeded / decided;
}
