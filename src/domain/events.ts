import { isAuditAction } from './audit';
import { badInput } from './errors';
import { fromGlobalId } from './ids';
import { unknownAction } from './webhooks';

/** What a subscriber asked for: an empty or missing list matches everything. */
export interface EventFilter {
  modelNames?: readonly string[] | null;
  actions?: readonly string[] | null;
}

/** A filter as the feed applies it: sets, or null for "any". */
export interface EventMatcher {
  modelNames: ReadonlySet<string> | null;
  actions: ReadonlySet<string> | null;
}

const MAX_FILTER_ENTRIES = 100;
const MAX_ENTRY_LENGTH = 256;

function entries(values: readonly string[] | null | undefined, field: string): ReadonlySet<string> | null {
  if (!values || values.length === 0) return null;
  if (values.length > MAX_FILTER_ENTRIES) {
    throw badInput(`${field} may list at most ${MAX_FILTER_ENTRIES} values, got ${values.length}`, { field, max: MAX_FILTER_ENTRIES });
  }
  for (const value of values) {
    if (value.length > MAX_ENTRY_LENGTH || value.includes('\u0000')) {
      throw badInput(`${field} values must be at most ${MAX_ENTRY_LENGTH} characters without NUL`, { field });
    }
  }
  return new Set(values);
}

function actionsOf(values: readonly string[] | null | undefined): ReadonlySet<string> | null {
  const actions = entries(values, 'filter.actions');
  for (const action of actions ?? []) if (!isAuditAction(action)) throw unknownAction('filter.actions', action);
  return actions;
}

/** Validates a subscription's filter once, at subscribe time. */
export function eventMatcher(filter: EventFilter | null | undefined): EventMatcher {
  return {
    modelNames: entries(filter?.modelNames, 'filter.modelNames'),
    actions: actionsOf(filter?.actions),
  };
}

export function matches(matcher: EventMatcher, event: { action: string; modelName: string | null }): boolean {
  if (matcher.actions && !matcher.actions.has(event.action)) return false;
  if (matcher.modelNames && (event.modelName === null || !matcher.modelNames.has(event.modelName))) return false;
  return true;
}

/** The row id of `after` (an AuditEvent's global id), or null when it is omitted. */
export function eventCursor(after: string | null | undefined): number | null {
  if (after === null || after === undefined) return null;
  const parsed = fromGlobalId(after);
  if (!parsed || parsed.type !== 'AuditEvent') throw badInput('after must be the id of an AuditEvent', { field: 'after' });
  return parsed.id;
}
