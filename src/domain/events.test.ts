import { DomainError } from './errors';
import { eventCursor, eventMatcher, matches } from './events';
import { toGlobalId } from './ids';

describe('event filters', () => {
  const event = (action: string, modelName: string | null) => ({ action, modelName });

  it.each([
    [{}, event('MODEL_CREATED', 'fraud'), true],
    [{ actions: [] }, event('MODEL_CREATED', null), true],
    [{ actions: ['STAGE_CHANGED'] }, event('MODEL_CREATED', 'fraud'), false],
    [{ actions: ['STAGE_CHANGED', 'MODEL_CREATED'] }, event('MODEL_CREATED', 'fraud'), true],
    [{ modelNames: ['fraud'] }, event('MODEL_CREATED', 'fraud'), true],
    [{ modelNames: ['fraud'] }, event('MODEL_CREATED', 'churn'), false],
    [{ modelNames: ['fraud'] }, event('API_KEY_CREATED', null), false],
    [{ modelNames: ['fraud'], actions: ['TAG_SET'] }, event('TAG_SET', 'fraud'), true],
    [{ modelNames: ['fraud'], actions: ['TAG_SET'] }, event('TAG_DELETED', 'fraud'), false],
  ])('filter %j on %j matches: %s', (filter, e, expected) => {
    expect(matches(eventMatcher(filter), e)).toBe(expected);
  });

  it('refuses more than 100 entries, long values and NUL, naming the field', () => {
    const many = Array.from({ length: 101 }, (_, i) => `m${i}`);
    expect(() => eventMatcher({ modelNames: many })).toThrow(/filter.modelNames may list at most 100/);
    expect(() => eventMatcher({ actions: ['x'.repeat(257)] })).toThrow(/filter.actions values/);
    expect(() => eventMatcher({ actions: ['a\u0000'] })).toThrow(DomainError);
  });

  it('refuses an action that is not in the vocabulary, which would never match', () => {
    expect(() => eventMatcher({ actions: ['STAGE_CHANGED', 'STAGE_CHANGE'] })).toThrow(/"STAGE_CHANGE" is not an audit action/);
    expect(eventMatcher({ actions: ['WEBHOOK_REDELIVERED'] }).actions).toEqual(new Set(['WEBHOOK_REDELIVERED']));
  });
});

describe('event cursors', () => {
  it('reads the row id of an AuditEvent id and refuses other ids', () => {
    expect(eventCursor(null)).toBeNull();
    expect(eventCursor(toGlobalId('AuditEvent', 42))).toBe(42);
    expect(() => eventCursor(toGlobalId('RegisteredModel', 42))).toThrow(/after must be the id of an AuditEvent/);
    expect(() => eventCursor('nonsense')).toThrow(DomainError);
  });
});
