import { isAuditAction } from './audit';
import { badInput } from './errors';
import { validateModelName } from './names';

/** Webhook names are keys for updates and deletes: short and printable, like API key names. */
const WEBHOOK_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;
const MAX_URL_LENGTH = 2048;
const MAX_FILTER_VALUES = 100;

export function validateWebhookName(name: string, field = 'name'): string {
  if (!WEBHOOK_NAME.test(name)) {
    throw badInput('A webhook name is 1 to 100 letters, digits, ".", "_", "@" or "-", starting with a letter or digit', { field });
  }
  return name;
}

/**
 * An absolute http(s) URL without credentials (they would show in every response and log line;
 * receivers authenticate the sender by its signature instead). Returns the URL as WHATWG URL
 * parsing normalises it, so an IPv4 host written in decimal or hex reads as a dotted quad.
 */
export function validateWebhookUrl(raw: string, field = 'url'): URL {
  if (raw.length > MAX_URL_LENGTH) throw badInput(`${field} is longer than ${MAX_URL_LENGTH} characters`, { field });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badInput(`${field} is not an absolute URL`, { field });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badInput(`${field} must be an http or https URL`, { field });
  if (url.username || url.password) throw badInput(`${field} must not carry a user name or password`, { field });
  if (!url.hostname) throw badInput(`${field} has no host`, { field });
  url.hash = '';
  return url;
}

/** Filter values: no duplicates, at most 100, each valid; empty means "all". */
function validateList(values: readonly string[] | null | undefined, field: string, check: (value: string) => void): string[] {
  const list = [...new Set(values ?? [])];
  if (list.length > MAX_FILTER_VALUES) throw badInput(`${field} may list at most ${MAX_FILTER_VALUES} values`, { field });
  list.forEach(check);
  return list;
}

/** A filter naming an action that does not exist would never match: refused, with the value named. */
export function unknownAction(field: string, action: string) {
  const shown = action.length > 64 ? `${action.slice(0, 64)}...` : action;
  return badInput(`${field}: "${shown}" is not an audit action (MODEL_CREATED, TRANSITION_APPROVED, ... as on AuditEvent.action)`, {
    field,
    value: shown,
  });
}

export function validateActionFilter(actions: readonly string[] | null | undefined, field = 'actions'): string[] {
  return validateList(actions, field, (action) => {
    if (!isAuditAction(action)) throw unknownAction(field, action);
  });
}

export function validateModelNameFilter(names: readonly string[] | null | undefined, field = 'modelNames'): string[] {
  return validateList(names, field, (name) => void validateModelName(name, field));
}

export interface WebhookFilters {
  actions: readonly string[];
  modelNames: readonly string[];
}

/**
 * Whether a webhook receives an event: every listed filter must hold, an empty one holds for
 * all. An event of no model passes only a webhook without a model filter. recordAudit applies
 * this same rule in SQL (webhook-outbox.repository.ts); the tests hold the two together.
 */
export function webhookReceives(filters: WebhookFilters, event: { action: string; modelName: string | null }): boolean {
  const actionOk = filters.actions.length === 0 || filters.actions.includes(event.action);
  const modelOk = filters.modelNames.length === 0 || (event.modelName !== null && filters.modelNames.includes(event.modelName));
  return actionOk && modelOk;
}

/** The JSON body a receiver gets: the audit event, with its details as an object. */
export interface WebhookBody {
  id: string;
  action: string;
  actor: string;
  modelName: string | null;
  version: number | null;
  at: string;
  details: unknown;
}
