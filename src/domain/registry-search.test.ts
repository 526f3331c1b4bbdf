import { DomainError } from './errors';
import { DEFAULT_MODEL_ORDER, MODEL_ORDER_FIELDS, isLookupable, modelSearch, sortKeys, versionSearch } from './registry-search';

function code(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e instanceof DomainError ? `${e.code}: ${e.message}` : String(e);
  }
}

describe('sort keys', () => {
  it('gives the default order for a missing or empty orderBy', () => {
    expect(sortKeys(undefined, MODEL_ORDER_FIELDS, DEFAULT_MODEL_ORDER)).toEqual([{ field: 'name', direction: 'asc' }]);
    expect(sortKeys([], MODEL_ORDER_FIELDS, DEFAULT_MODEL_ORDER)).toEqual([{ field: 'name', direction: 'asc' }]);
  });

  it('maps several keys in the order given', () => {
    expect(
      sortKeys(
        [
          { field: 'UPDATED_AT', direction: 'DESC' },
          { field: 'NAME', direction: 'ASC' },
        ],
        MODEL_ORDER_FIELDS,
        DEFAULT_MODEL_ORDER,
      ),
    ).toEqual([
      { field: 'updatedAt', direction: 'desc' },
      { field: 'name', direction: 'asc' },
    ]);
  });

  it('refuses a field given twice', () => {
    expect(
      code(() =>
        sortKeys(
          [
            { field: 'NAME', direction: 'ASC' },
            { field: 'NAME', direction: 'DESC' },
          ],
          MODEL_ORDER_FIELDS,
          DEFAULT_MODEL_ORDER,
        ),
      ),
    ).toBe('BAD_USER_INPUT: orderBy lists NAME more than once');
  });
});

describe('search filters', () => {
  it.each([
    [{ name: 'a\u0000' }, 'BAD_USER_INPUT: filter.name must not contain NUL'],
    [{ nameContains: 'x'.repeat(5001) }, 'BAD_USER_INPUT: filter.nameContains must be at most 5000 characters, got 5001'],
    [{ namePrefix: '\u0000' }, 'BAD_USER_INPUT: filter.namePrefix must not contain NUL'],
    [{ tags: [{ key: 'k', value: '\u0000' }] }, 'BAD_USER_INPUT: filter.tags.value must not contain NUL'],
    [{ name: '%_\\', nameContains: '50%', tags: [{ key: 'team' }] }, 'ok'],
  ])('model filter %# -> %s', (filter, expected) => {
    expect(code(() => modelSearch(filter))).toBe(expected);
  });

  it('keeps only the fields given; tags without value match any value', () => {
    expect(modelSearch({ nameContains: 'Fraud', tags: [{ key: 'team' }] })).toEqual({
      name: undefined,
      nameContains: 'Fraud',
      namePrefix: undefined,
      tags: [{ key: 'team', value: null }],
      hasVersionInStage: undefined,
    });
    expect(versionSearch(null)).toEqual({
      modelName: undefined,
      stages: [],
      runId: undefined,
      status: undefined,
      tags: [],
      minVersion: undefined,
      maxVersion: undefined,
    });
    expect(code(() => versionSearch({ runId: 'r\u0000' }))).toBe('BAD_USER_INPUT: filter.runId must not contain NUL');
  });

  it('never looks up a name PostgreSQL could not store', () => {
    expect(isLookupable('fraud')).toBe(true);
    expect(isLookupable('a\u0000b')).toBe(false);
  });
});
