import { registerEnumType } from 'type-graphql';
import { Role } from '../../domain/roles';
import { STAGES, type Stage as DomainStage } from '../../domain/stages';

// Enum values are the same strings in the contract, the domain and the database.
/** The GraphQL registration of the domain's one Stage (domain/stages.ts). */
export const Stage = Object.fromEntries(STAGES.map((s) => [s, s])) as { readonly [S in DomainStage]: S };
export type Stage = DomainStage;
export enum ModelVersionStatus {
  PENDING_REGISTRATION = 'PENDING_REGISTRATION',
  READY = 'READY',
  FAILED_REGISTRATION = 'FAILED_REGISTRATION',
}
export enum TransitionRequestStatus {
  PENDING = 'PENDING',
  APPROVED = 'APPROVED',
  REJECTED = 'REJECTED',
  CANCELLED = 'CANCELLED',
}
export enum Decision {
  APPROVE = 'APPROVE',
  REJECT = 'REJECT',
}
export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
export enum MetricComparator {
  GT = 'GT',
  GTE = 'GTE',
  LT = 'LT',
  LTE = 'LTE',
}
export enum RegisteredModelOrderField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
}
export enum ModelVersionOrderField {
  VERSION = 'VERSION',
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
}

registerEnumType(Stage, { name: 'Stage' });
registerEnumType(ModelVersionStatus, { name: 'ModelVersionStatus' });
registerEnumType(TransitionRequestStatus, { name: 'TransitionRequestStatus' });
registerEnumType(Decision, { name: 'Decision' });
registerEnumType(Role, { name: 'Role' });
registerEnumType(SortDirection, { name: 'SortDirection' });
registerEnumType(MetricComparator, { name: 'MetricComparator' });
registerEnumType(RegisteredModelOrderField, { name: 'RegisteredModelOrderField' });
registerEnumType(ModelVersionOrderField, { name: 'ModelVersionOrderField' });

export { Role };
