import type { Table } from './bulk-insert';

/** The seeded tables' columns, as the migrations create them (prisma/models.prisma). */
export const registeredModel: Table = {
  name: 'RegisteredModel',
  columns: {
    name: 'TEXT',
    nameLower: 'TEXT',
    description: 'TEXT',
    createdBy: 'TEXT',
    createdAt: 'TIMESTAMP(3)',
    updatedAt: 'TIMESTAMP(3)',
    lastVersion: 'INTEGER',
    liveVersions: 'INTEGER',
  },
};

export const modelTag: Table = { name: 'ModelTag', columns: { modelId: 'INTEGER', key: 'TEXT', value: 'TEXT' } };

export const modelVersion: Table = {
  name: 'ModelVersion',
  columns: {
    modelId: 'INTEGER',
    version: 'INTEGER',
    stage: '"Stage"',
    status: '"VersionStatus"',
    source: 'TEXT',
    runId: 'TEXT',
    description: 'TEXT',
    createdBy: 'TEXT',
    createdAt: 'TIMESTAMP(3)',
    updatedAt: 'TIMESTAMP(3)',
  },
};

export const versionTag: Table = { name: 'VersionTag', columns: { versionId: 'INTEGER', key: 'TEXT', value: 'TEXT' } };

export const versionMetric: Table = { name: 'VersionMetric', columns: { versionId: 'INTEGER', key: 'TEXT', value: 'DOUBLE PRECISION' } };

export const modelAlias: Table = { name: 'ModelAlias', columns: { modelId: 'INTEGER', alias: 'TEXT', versionId: 'INTEGER' } };

export const transitionRequest: Table = {
  name: 'TransitionRequest',
  columns: {
    versionId: 'INTEGER',
    fromStage: '"Stage"',
    toStage: '"Stage"',
    status: '"RequestStatus"',
    requestedBy: 'TEXT',
    comment: 'TEXT',
    requiredApprovals: 'INTEGER',
    createdAt: 'TIMESTAMP(3)',
    resolvedAt: 'TIMESTAMP(3)',
  },
};

export const approvalDecision: Table = {
  name: 'ApprovalDecision',
  columns: { requestId: 'INTEGER', approver: 'TEXT', decision: '"Decision"', comment: 'TEXT', createdAt: 'TIMESTAMP(3)' },
};

export const stageTransition: Table = {
  name: 'StageTransition',
  columns: {
    versionId: 'INTEGER',
    fromStage: '"Stage"',
    toStage: '"Stage"',
    at: 'TIMESTAMP(3)',
    actor: 'TEXT',
    requestId: 'INTEGER',
  },
};
