import type { Tx } from '../client';
import { parseGates, type Policy, type MetricGate } from '../../domain/policy';
import type { Stage } from '../../domain/stages';

export type PolicyRow = Awaited<ReturnType<Tx['governancePolicy']['findUniqueOrThrow']>>;

/** "*" is the registry-wide scope; a model's own policies are scoped by id, so renames keep them. */
export const REGISTRY_SCOPE = '*';
export const modelScope = (modelId: number) => `model:${modelId}`;

export function toPolicy(row: Pick<PolicyRow, 'modelId' | 'stage' | 'requiredApprovals' | 'allowSelfApproval' | 'metricGates'>): Policy {
  return {
    scope: row.modelId === null ? 'REGISTRY' : 'MODEL',
    stage: row.stage,
    requiredApprovals: row.requiredApprovals,
    allowSelfApproval: row.allowSelfApproval,
    metricGates: parseGates(row.metricGates),
  };
}

/** Registry-wide rows and the rows of these models (all stages, or one), in one query. */
export function findPolicyRows(db: Tx, modelIds: readonly number[], stage?: Stage): Promise<PolicyRow[]> {
  return db.governancePolicy.findMany({
    where: { OR: [{ scope: REGISTRY_SCOPE }, { modelId: { in: [...modelIds] } }], ...(stage ? { stage } : {}) },
  });
}

export function upsertPolicy(
  tx: Tx,
  modelId: number | null,
  stage: Stage,
  policy: { requiredApprovals: number; allowSelfApproval: boolean; metricGates: MetricGate[] },
): Promise<PolicyRow> {
  const scope = modelId === null ? REGISTRY_SCOPE : modelScope(modelId);
  const data = {
    requiredApprovals: policy.requiredApprovals,
    allowSelfApproval: policy.allowSelfApproval,
    metricGates: JSON.stringify(policy.metricGates),
  };
  return tx.governancePolicy.upsert({
    where: { scope_stage: { scope, stage } },
    create: { scope, modelId, stage, ...data },
    update: data,
  });
}
