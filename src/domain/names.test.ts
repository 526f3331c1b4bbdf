import { DomainError } from './errors';
import { validateModelName, validateText } from './names';

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e instanceof DomainError ? `${e.code}: ${e.message}` : String(e);
  }
}

describe('registered model names', () => {
  it.each([
    ['fraud-detector', 'ok'],
    ['Fraud Detector v2', 'ok'],
    ['a', 'ok'],
    ['n'.repeat(256), 'ok'],
    ['模型', 'ok'],
    ['50%_off\\x', 'ok'],
    ['', 'BAD_USER_INPUT: name must be 1 to 256 characters, got 0'],
    ['n'.repeat(257), 'BAD_USER_INPUT: name must be 1 to 256 characters, got 257'],
    [' lead', 'BAD_USER_INPUT: name must not be blank or start or end with white space'],
    ['trail ', 'BAD_USER_INPUT: name must not be blank or start or end with white space'],
    ['   ', 'BAD_USER_INPUT: name must not be blank or start or end with white space'],
    ['tab\tin', 'BAD_USER_INPUT: name must not contain control characters'],
    ['nul\u0000', 'BAD_USER_INPUT: name must not contain control characters'],
    ['del\u007f', 'BAD_USER_INPUT: name must not contain control characters'],
    ['line\nbreak', 'BAD_USER_INPUT: name must not contain control characters'],
    ['lone\uD800', 'BAD_USER_INPUT: name must not contain a lone UTF-16 surrogate (it is not valid Unicode)'],
  ])('%j -> %s', (name, expected) => {
    expect(outcome(() => validateModelName(name))).toBe(expected);
  });

  it('names the field it checks', () => {
    expect(outcome(() => validateModelName('', 'newName'))).toBe('BAD_USER_INPUT: newName must be 1 to 256 characters, got 0');
  });
});

describe('free text', () => {
  it.each([
    [null, 'ok'],
    [undefined, 'ok'],
    ['', 'ok'],
    ['d'.repeat(5000), 'ok'],
    ['d'.repeat(5001), 'BAD_USER_INPUT: description must be at most 5000 characters, got 5001'],
    ['a\u0000', 'BAD_USER_INPUT: description must not contain NUL'],
  ])('%#: -> %s', (value, expected) => {
    expect(outcome(() => validateText(value, 'description'))).toBe(expected);
  });
});
