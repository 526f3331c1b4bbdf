import { badInput, type Violation } from './errors';
import { validateKey } from './registry';
import type { Stage } from './stages';

export type Comparator = 'GT' | 'GTE' | 'LT' | 'LTE';

export interface MetricGate {
  metric: string;
  comparator: Comparator;
  threshold: number;
}

/** Where the policy in force comes from: the built-in default, the registry-wide one, a model's own. */
export type PolicyScope = 'DEFAULT' | 'REGISTRY' | 'MODEL';

export interface Policy {
  scope: PolicyScope;
  stage: Stage;
  requiredApprovals: number;
  allowSelfApproval: boolean;
  metricGates: MetricGate[];
}

export const MAX_REQUIRED_APPROVALS = 10;
export const MAX_METRIC_GATES = 20;
const COMPARATORS: ReadonlySet<string> = new Set(['GT', 'GTE', 'LT', 'LTE']);

/** Built-in defaults: promotions to STAGING and PRODUCTION need one approval, others none. */
export function defaultPolicy(stage: Stage): Policy {
  const requiredApprovals = stage === 'STAGING' || stage === 'PRODUCTION' ? 1 : 0;
  return { scope: 'DEFAULT', stage, requiredApprovals, allowSelfApproval: false, metricGates: [] };
}

/**
 * The policy in force for a target stage, among a model's own and the registry-wide policies
 * (of any stages): the model's own wins, then the registry-wide one, then the built-in default.
 */
export function policyInForce(stage: Stage, policies: readonly Policy[]): Policy {
  const ofStage = policies.filter((p) => p.stage === stage);
  return ofStage.find((p) => p.scope === 'MODEL') ?? ofStage.find((p) => p.scope === 'REGISTRY') ?? defaultPolicy(stage);
}

export interface PolicyInput {
  requiredApprovals: number;
  allowSelfApproval?: boolean | null;
  metricGates?: readonly MetricGate[] | null;
}

/** Checks a policy someone sets; omitted flags mean "no self-approval" and "no gates". */
export function validatePolicy(input: PolicyInput): Omit<Policy, 'scope' | 'stage'> {
  const { requiredApprovals } = input;
  if (!Number.isInteger(requiredApprovals) || requiredApprovals < 0 || requiredApprovals > MAX_REQUIRED_APPROVALS) {
    throw badInput(`requiredApprovals must be a whole number from 0 to ${MAX_REQUIRED_APPROVALS}, got ${requiredApprovals}`, {
      field: 'requiredApprovals',
      max: MAX_REQUIRED_APPROVALS,
    });
  }
  const gates = input.metricGates ?? [];
  if (gates.length > MAX_METRIC_GATES) {
    throw badInput(`At most ${MAX_METRIC_GATES} metric gates per policy, got ${gates.length}`, {
      field: 'metricGates',
      max: MAX_METRIC_GATES,
    });
  }
  const seen = new Set<string>();
  for (const gate of gates) {
    // A gate names a metric key: the registry's one key rule, so any metric that can be logged can be gated.
    validateKey(gate.metric, 'metricGates.metric');
    if (!COMPARATORS.has(gate.comparator))
      throw badInput(`Unknown comparator ${String(gate.comparator)}`, { field: 'metricGates.comparator' });
    if (typeof gate.threshold !== 'number' || !Number.isFinite(gate.threshold)) {
      throw badInput('A metric gate threshold must be a finite number', { field: 'metricGates.threshold' });
    }
    const key = `${gate.metric}\u0000${gate.comparator}`;
    if (seen.has(key)) throw badInput(`Two gates compare ${gate.metric} with ${gate.comparator}`, { field: 'metricGates' });
    seen.add(key);
  }
  return {
    requiredApprovals,
    allowSelfApproval: input.allowSelfApproval ?? false,
    metricGates: gates.map((g) => ({ metric: g.metric, comparator: g.comparator, threshold: g.threshold })),
  };
}

const SYMBOL: Record<Comparator, string> = { GT: '>', GTE: '>=', LT: '<', LTE: '<=' };

/** A gate holds when the metric exists and compares true; a missing metric fails it. */
export function gateHolds(gate: MetricGate, metrics: ReadonlyMap<string, number>): boolean {
  const value = metrics.get(gate.metric);
  if (value === undefined) return false;
  switch (gate.comparator) {
    case 'GT':
      return value > gate.threshold;
    case 'GTE':
      return value >= gate.threshold;
    case 'LT':
      return value < gate.threshold;
    case 'LTE':
      return value <= gate.threshold;
  }
}

/** One violation (rule METRIC_GATE) per gate that does not hold, in the policy's order. */
export function gateViolations(gates: readonly MetricGate[], metrics: ReadonlyMap<string, number>): Violation[] {
  return gates
    .filter((g) => !gateHolds(g, metrics))
    .map((g) => {
      const actual = metrics.get(g.metric);
      const need = `${g.metric} ${SYMBOL[g.comparator]} ${g.threshold}`;
      const message =
        actual === undefined
          ? `Metric gate ${need} fails: the version has no metric ${g.metric}`
          : `Metric gate ${need} fails: ${g.metric} is ${actual}`;
      return {
        rule: 'METRIC_GATE',
        message,
        metric: g.metric,
        comparator: g.comparator,
        threshold: g.threshold,
        actual: actual ?? null,
      } as Violation;
    });
}

/** Gates are stored as a JSON array; rows written by validatePolicy parse back to the same. */
export function parseGates(json: string): MetricGate[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? (value as MetricGate[]) : [];
}
