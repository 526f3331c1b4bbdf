import { DomainError } from './errors';
import { byStageOrder, latestStages } from './stages';
import {
  validateAlias,
  validateKey,
  validateMetrics,
  validateMetricValue,
  validateSource,
  validateTags,
  validateTagValue,
} from './registry';

/** The code and message of what fn throws, or 'ok'. */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e instanceof DomainError ? `${e.code}: ${e.message}` : `unexpected ${String(e)}`;
  }
}

describe('tag and metric keys', () => {
  it.each([
    ['accuracy', 'ok'],
    ['a', 'ok'],
    ['train/loss:epoch 1', 'ok'],
    ['mlflow.source-name_v2', 'ok'],
    ['größe', 'ok'],
    ['k'.repeat(250), 'ok'],
    ['k'.repeat(251), 'BAD_USER_INPUT: key must be 1 to 250 characters, got 251'],
    ['', 'BAD_USER_INPUT: key must be 1 to 250 characters, got 0'],
    ['a,b', 'BAD_USER_INPUT: key "a,b" may only contain letters, digits, _ - . / : and space'],
    ['a\u0000b', 'BAD_USER_INPUT: key "a\u0000b" may only contain letters, digits, _ - . / : and space'],
    ['tab\there', 'BAD_USER_INPUT: key "tab\there" may only contain letters, digits, _ - . / : and space'],
    ['emoji😀', 'BAD_USER_INPUT: key "emoji😀" may only contain letters, digits, _ - . / : and space'],
  ])('%j -> %s', (key, expected) => {
    expect(outcome(() => validateKey(key, 'key'))).toBe(expected);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(outcome(() => validateKey('𝒜'.repeat(250), 'key'))).toBe('ok');
    expect(outcome(() => validateKey('𝒜'.repeat(251), 'key'))).toBe('BAD_USER_INPUT: key must be 1 to 250 characters, got 251');
    expect(outcome(() => validateKey('é'.repeat(250), 'key'))).toBe('ok');
  });
});

describe('tag values', () => {
  it.each([
    ['', 'ok'],
    ['v'.repeat(5000), 'ok'],
    ['v'.repeat(5001), 'BAD_USER_INPUT: value must be at most 5000 characters, got 5001'],
    ['a\u0000', 'BAD_USER_INPUT: value must not contain NUL'],
  ])('%#: -> %s', (value, expected) => {
    expect(outcome(() => validateTagValue(value, 'value'))).toBe(expected);
  });
});

describe('tag and metric lists', () => {
  it('refuses a key given twice in one input, naming it', () => {
    expect(
      outcome(() =>
        validateTags([
          { key: 'a', value: '1' },
          { key: 'a', value: '2' },
        ]),
      ),
    ).toBe('BAD_USER_INPUT: tags lists the key "a" more than once');
    expect(
      outcome(() =>
        validateMetrics([
          { key: 'm', value: 1 },
          { key: 'm', value: 1 },
        ]),
      ),
    ).toBe('BAD_USER_INPUT: metrics lists the key "m" more than once');
  });

  it('names the list in the field of a bad entry', () => {
    expect(outcome(() => validateTags([{ key: 'a', value: 'x'.repeat(5001) }]))).toBe(
      'BAD_USER_INPUT: tags.value must be at most 5000 characters, got 5001',
    );
    expect(outcome(() => validateMetrics([{ key: 'bad!', value: 1 }]))).toContain('metrics.key');
  });

  it('treats a missing list as empty', () => {
    expect(validateTags(null)).toEqual([]);
    expect(validateMetrics(undefined)).toEqual([]);
  });

  it.each([
    [0.5, 'ok'],
    [-1e308, 'ok'],
    [0, 'ok'],
    [NaN, 'BAD_USER_INPUT: value must be a finite number, got NaN'],
    [Infinity, 'BAD_USER_INPUT: value must be a finite number, got Infinity'],
    [-Infinity, 'BAD_USER_INPUT: value must be a finite number, got -Infinity'],
  ])('metric value %p -> %s', (value, expected) => {
    expect(outcome(() => validateMetricValue(value, 'value'))).toBe(expected);
  });
});

describe('aliases', () => {
  it.each([
    ['champion', 'ok'],
    ['Champion_2-b', 'ok'],
    ['a'.repeat(255), 'ok'],
    ['v', 'ok'],
    ['v1x', 'ok'],
    ['version1', 'ok'],
    ['a'.repeat(256), 'BAD_USER_INPUT: alias must be 1 to 255 characters, got 256'],
    ['', 'BAD_USER_INPUT: alias must be 1 to 255 characters, got 0'],
    ['latest', 'BAD_USER_INPUT: alias "latest" is reserved: "latest" and v<number> cannot be aliases'],
    ['LaTeSt', 'BAD_USER_INPUT: alias "LaTeSt" is reserved: "latest" and v<number> cannot be aliases'],
    ['v1', 'BAD_USER_INPUT: alias "v1" is reserved: "latest" and v<number> cannot be aliases'],
    ['V42', 'BAD_USER_INPUT: alias "V42" is reserved: "latest" and v<number> cannot be aliases'],
    ['with space', 'BAD_USER_INPUT: alias "with space" may only contain letters, digits, _ and -'],
    ['dot.ted', 'BAD_USER_INPUT: alias "dot.ted" may only contain letters, digits, _ and -'],
    ['slash/ed', 'BAD_USER_INPUT: alias "slash/ed" may only contain letters, digits, _ and -'],
  ])('%j -> %s', (alias, expected) => {
    expect(outcome(() => validateAlias(alias))).toBe(expected);
  });
});

describe('version sources', () => {
  it.each([
    ['s3://bucket/models/fraud/1', 'ok'],
    ['runs:/abc123/model', 'ok'],
    ['file:///tmp/model', 'ok'],
    ['models/v1..v2/x', 'ok'],
    ['...', 'ok'],
    ['x'.repeat(1000), 'ok'],
    ['x'.repeat(1001), 'BAD_USER_INPUT: source must be 1 to 1000 characters, got 1001'],
    ['', 'BAD_USER_INPUT: source must be 1 to 1000 characters, got 0'],
    ['   ', 'BAD_USER_INPUT: source must not be blank'],
    ['s3://b/a\u0000b', 'BAD_USER_INPUT: source must not contain NUL'],
    ['s3://bucket/../secret', 'BAD_USER_INPUT: source must not contain a ".." path segment'],
    ['../up', 'BAD_USER_INPUT: source must not contain a ".." path segment'],
    ['a/..', 'BAD_USER_INPUT: source must not contain a ".." path segment'],
    ['C:\\models\\..\\x', 'BAD_USER_INPUT: source must not contain a ".." path segment'],
    ['s3://b/%2e%2e/x', 'BAD_USER_INPUT: source must not contain a ".." path segment'],
    ['s3://b/%252e%252E/x', 'BAD_USER_INPUT: source must not contain a ".." path segment'],
    ['http://h/a?p=..', 'ok'],
  ])('%j -> %s', (source, expected) => {
    expect(outcome(() => validateSource(source))).toBe(expected);
  });
});

describe('latest versions by stage', () => {
  it('lists every stage in stage order when none or an empty list is given', () => {
    expect(latestStages(undefined)).toEqual(['NONE', 'STAGING', 'PRODUCTION', 'ARCHIVED']);
    expect(latestStages([])).toEqual(['NONE', 'STAGING', 'PRODUCTION', 'ARCHIVED']);
  });

  it('keeps stage order whatever order they are asked in', () => {
    expect(latestStages(['ARCHIVED', 'NONE', 'PRODUCTION'])).toEqual(['NONE', 'PRODUCTION', 'ARCHIVED']);
  });

  it('orders rows NONE, STAGING, PRODUCTION, ARCHIVED', () => {
    const rows = [
      { stage: 'ARCHIVED', v: 1 },
      { stage: 'PRODUCTION', v: 3 },
      { stage: 'NONE', v: 5 },
      { stage: 'STAGING', v: 4 },
    ];
    expect(byStageOrder(rows).map((r) => r.stage)).toEqual(['NONE', 'STAGING', 'PRODUCTION', 'ARCHIVED']);
  });
});
