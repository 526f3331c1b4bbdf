import { DomainError } from './errors';
import { validateActionFilter, validateModelNameFilter, validateWebhookName, validateWebhookUrl, webhookReceives } from './webhooks';

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof DomainError ? `${e.code}:${String(e.details.field)}` : 'THROWN';
  }
}

describe('webhookReceives', () => {
  const event = (action: string, modelName: string | null) => ({ action, modelName });
  it.each<[string[], string[], ReturnType<typeof event>, boolean]>([
    [[], [], event('MODEL_CREATED', 'm'), true],
    [[], [], event('API_KEY_CREATED', null), true],
    [['MODEL_CREATED'], [], event('MODEL_CREATED', 'm'), true],
    [['MODEL_CREATED'], [], event('TAG_SET', 'm'), false],
    [[], ['m'], event('TAG_SET', 'm'), true],
    [[], ['m'], event('TAG_SET', 'other'), false],
    [[], ['m'], event('API_KEY_CREATED', null), false],
    [['TAG_SET', 'STAGE_CHANGED'], ['a', 'b'], event('STAGE_CHANGED', 'b'), true],
    [['TAG_SET', 'STAGE_CHANGED'], ['a', 'b'], event('STAGE_CHANGED', 'c'), false],
    [['TAG_SET'], ['a'], event('STAGE_CHANGED', 'a'), false],
  ])('actions %j, models %j, event %j -> %s', (actions, modelNames, e, expected) => {
    expect(webhookReceives({ actions, modelNames }, e)).toBe(expected);
  });
});

describe('webhook input', () => {
  it.each<[() => unknown, string | null]>([
    [() => validateWebhookName('bot-1'), null],
    [() => validateWebhookName(''), 'BAD_USER_INPUT:name'],
    [() => validateWebhookName('has space'), 'BAD_USER_INPUT:name'],
    [() => validateWebhookUrl('https://hooks.example.com/x?y=1'), null],
    [() => validateWebhookUrl('ftp://example.com/'), 'BAD_USER_INPUT:url'],
    [() => validateWebhookUrl('javascript:alert(1)'), 'BAD_USER_INPUT:url'],
    [() => validateWebhookUrl('/relative'), 'BAD_USER_INPUT:url'],
    [() => validateWebhookUrl('https://user:pass@example.com/'), 'BAD_USER_INPUT:url'],
    [() => validateWebhookUrl('https://example.com/' + 'a'.repeat(2048)), 'BAD_USER_INPUT:url'],
    [() => validateActionFilter(['MODEL_CREATED', 'MODEL_CREATED']), null],
    [() => validateActionFilter(['model_created']), 'BAD_USER_INPUT:actions'],
    [() => validateActionFilter(Array.from({ length: 101 }, (_, i) => `A${i}`)), 'BAD_USER_INPUT:actions'],
    [() => validateModelNameFilter(['a model', 'x/y']), null],
    [() => validateModelNameFilter([' padded']), 'BAD_USER_INPUT:modelNames'],
  ])('case %#', (fn, expected) => {
    expect(codeOf(fn)).toBe(expected);
  });

  it('drops duplicate filter values and the URL fragment', () => {
    expect(validateActionFilter(['TAG_SET', 'TAG_SET'])).toEqual(['TAG_SET']);
    expect(validateWebhookUrl('https://example.com/hook#frag').toString()).toBe('https://example.com/hook');
  });
});
