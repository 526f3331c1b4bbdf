import { textProblem, validateStorableText } from './text';

describe('text that both databases store as given', () => {
  it.each([
    ['plain', 'model-a', null],
    ['empty', '', null],
    ['a surrogate pair (emoji)', 'a\uD83D\uDE00b', null],
    ['accents and CJK', 'modèle 模型', null],
    ['NUL', 'a\u0000b', 'must not contain NUL'],
    ['a lone high surrogate', 'a\uD800b', 'must not contain a lone UTF-16 surrogate (it is not valid Unicode)'],
    ['a lone high surrogate at the end', 'ab\uD83D', 'must not contain a lone UTF-16 surrogate (it is not valid Unicode)'],
    ['a lone low surrogate', '\uDE00ab', 'must not contain a lone UTF-16 surrogate (it is not valid Unicode)'],
    ['two high surrogates', '\uD83D\uD83D\uDE00', 'must not contain a lone UTF-16 surrogate (it is not valid Unicode)'],
  ])('%s', (_what, value, problem) => {
    expect(textProblem(value)).toBe(problem);
  });

  it('refuses with BAD_USER_INPUT naming the field', () => {
    expect(() => validateStorableText('a\uD800', 'tags.value')).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field: 'tags.value' } }),
    );
    expect(validateStorableText('ok', 'x')).toBe('ok');
  });
});
