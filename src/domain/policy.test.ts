import { DomainError } from './errors';
import {
  defaultPolicy,
  gateHolds,
  gateViolations,
  parseGates,
  policyInForce,
  validatePolicy,
  type Comparator,
  type Policy,
} from './policy';
import type { Stage } from './stages';

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof DomainError ? e.code : 'THROWN';
  }
}

describe('defaultPolicy', () => {
  it.each<[Stage, number]>([
    ['NONE', 0],
    ['STAGING', 1],
    ['PRODUCTION', 1],
    ['ARCHIVED', 0],
  ])('%s needs %i approvals', (stage, n) => {
    expect(defaultPolicy(stage)).toEqual({ scope: 'DEFAULT', stage, requiredApprovals: n, allowSelfApproval: false, metricGates: [] });
  });
});

describe('policyInForce', () => {
  const registry: Policy = { scope: 'REGISTRY', stage: 'PRODUCTION', requiredApprovals: 2, allowSelfApproval: false, metricGates: [] };
  const model: Policy = { scope: 'MODEL', stage: 'PRODUCTION', requiredApprovals: 3, allowSelfApproval: true, metricGates: [] };
  it('prefers the model, then the registry, then the default', () => {
    expect(policyInForce('PRODUCTION', [registry, model])).toBe(model);
    expect(policyInForce('PRODUCTION', [registry])).toBe(registry);
    expect(policyInForce('PRODUCTION', []).scope).toBe('DEFAULT');
    expect(policyInForce('STAGING', [registry, model])).toEqual(defaultPolicy('STAGING'));
  });
});

describe('validatePolicy', () => {
  const gate = (metric: string, comparator: Comparator, threshold: number) => ({ metric, comparator, threshold });
  it.each<[string, Parameters<typeof validatePolicy>[0], string | null]>([
    ['zero approvals', { requiredApprovals: 0 }, null],
    ['ten approvals', { requiredApprovals: 10 }, null],
    ['eleven approvals', { requiredApprovals: 11 }, 'BAD_USER_INPUT'],
    ['negative approvals', { requiredApprovals: -1 }, 'BAD_USER_INPUT'],
    ['fractional approvals', { requiredApprovals: 1.5 }, 'BAD_USER_INPUT'],
    ['a gate', { requiredApprovals: 1, metricGates: [gate('accuracy', 'GTE', 0.9)] }, null],
    ['two comparators on one metric', { requiredApprovals: 1, metricGates: [gate('loss', 'GT', 0), gate('loss', 'LT', 1)] }, null],
    ['the same gate twice', { requiredApprovals: 1, metricGates: [gate('loss', 'LT', 1), gate('loss', 'LT', 2)] }, 'BAD_USER_INPUT'],
    ['an infinite threshold', { requiredApprovals: 1, metricGates: [gate('loss', 'LT', Infinity)] }, 'BAD_USER_INPUT'],
    ['a NaN threshold', { requiredApprovals: 1, metricGates: [gate('loss', 'LT', NaN)] }, 'BAD_USER_INPUT'],
    ['an empty metric', { requiredApprovals: 1, metricGates: [gate('', 'LT', 1)] }, 'BAD_USER_INPUT'],
    ['a metric key of any script, as the registry logs it', { requiredApprovals: 1, metricGates: [gate('précision', 'GTE', 0.9)] }, null],
    ['a metric key with a character no key has', { requiredApprovals: 1, metricGates: [gate('loss!', 'LT', 1)] }, 'BAD_USER_INPUT'],
    ['a metric with a bad character', { requiredApprovals: 1, metricGates: [gate('a*b', 'LT', 1)] }, 'BAD_USER_INPUT'],
    ['an unknown comparator', { requiredApprovals: 1, metricGates: [gate('a', 'EQ' as Comparator, 1)] }, 'BAD_USER_INPUT'],
    ['21 gates', { requiredApprovals: 1, metricGates: Array.from({ length: 21 }, (_, i) => gate(`m${i}`, 'GT', 0)) }, 'BAD_USER_INPUT'],
  ])('%s', (_name, input, expected) => {
    expect(codeOf(() => validatePolicy(input))).toBe(expected);
  });

  it('defaults to no self-approval and no gates', () => {
    expect(validatePolicy({ requiredApprovals: 2 })).toEqual({ requiredApprovals: 2, allowSelfApproval: false, metricGates: [] });
  });
});

describe('metric gates', () => {
  const metrics = new Map([
    ['accuracy', 0.9],
    ['latency', 120],
  ]);
  it.each<[string, Comparator, number, boolean]>([
    ['accuracy', 'GT', 0.9, false],
    ['accuracy', 'GTE', 0.9, true],
    ['accuracy', 'GT', 0.8, true],
    ['latency', 'LT', 120, false],
    ['latency', 'LTE', 120, true],
    ['latency', 'LT', 200, true],
    ['recall', 'GTE', 0, false],
    ['recall', 'LTE', 1e9, false],
  ])('%s %s %d holds: %s', (metric, comparator, threshold, holds) => {
    expect(gateHolds({ metric, comparator, threshold }, metrics)).toBe(holds);
  });

  it('gives one violation per failing gate, naming a missing metric', () => {
    const violations = gateViolations(
      [
        { metric: 'accuracy', comparator: 'GTE', threshold: 0.95 },
        { metric: 'latency', comparator: 'LT', threshold: 500 },
        { metric: 'recall', comparator: 'GTE', threshold: 0.5 },
      ],
      metrics,
    );
    expect(violations.map((v) => v.rule)).toEqual(['METRIC_GATE', 'METRIC_GATE']);
    expect(violations[0].message).toContain('accuracy is 0.9');
    expect(violations[1].message).toContain('no metric recall');
  });

  it('round-trips gates through their stored JSON', () => {
    const gates = validatePolicy({ requiredApprovals: 1, metricGates: [{ metric: 'a', comparator: 'LT', threshold: -1.5 }] }).metricGates;
    expect(parseGates(JSON.stringify(gates))).toEqual(gates);
    expect(parseGates('{}')).toEqual([]);
  });
});
