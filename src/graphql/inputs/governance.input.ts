import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import {
  AuditEventOrderField,
  MetricComparator,
  SortDirection,
  Stage,
  TransitionRequestOrderField,
  TransitionRequestStatus,
} from '../types/enums';
import { GovernancePolicy } from '../types/governance-policy.type';
import { TransitionRequest } from '../types/transition-request.type';

@InputType()
export class RequestStageTransitionInput {
  @Field() name!: string;
  @Field(() => Int) version!: number;
  @Field(() => Stage) toStage!: Stage;
  @Field(() => String, { nullable: true }) comment?: string | null;
  @Field(() => Boolean, { nullable: true }) archiveExistingVersions?: boolean | null;
}

@InputType()
export class DecideTransitionRequestInput {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) comment?: string | null;
}

@InputType()
export class CancelTransitionRequestInput {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) comment?: string | null;
}

@ObjectType()
export class TransitionRequestPayload {
  @Field(() => TransitionRequest) transitionRequest!: TransitionRequest;
}

@InputType({ description: 'Applies a stage change at once, without a request. ADMIN only.' })
export class TransitionModelVersionStageInput {
  @Field() name!: string;
  @Field(() => Int) version!: number;
  @Field(() => Stage) toStage!: Stage;
  @Field(() => Boolean, { nullable: true }) archiveExistingVersions?: boolean | null;
  @Field(() => String, { nullable: true }) comment?: string | null;
}

@InputType()
export class MetricGateInput {
  @Field() metric!: string;
  @Field(() => MetricComparator) comparator!: MetricComparator;
  @Field(() => Float) threshold!: number;
}

@InputType()
export class SetGovernancePolicyInput {
  @Field(() => String, { nullable: true, description: 'Omit for the registry-wide default.' }) modelName?: string | null;
  @Field(() => Stage) stage!: Stage;
  @Field(() => Int) requiredApprovals!: number;
  @Field(() => Boolean, { nullable: true }) allowSelfApproval?: boolean | null;
  @Field(() => [MetricGateInput], { nullable: true }) metricGates?: MetricGateInput[] | null;
}

@ObjectType()
export class GovernancePolicyPayload {
  @Field(() => GovernancePolicy) policy!: GovernancePolicy;
}

@InputType()
export class TransitionRequestFilter {
  @Field(() => String, { nullable: true }) modelName?: string | null;
  @Field(() => [TransitionRequestStatus], { nullable: true }) status?: TransitionRequestStatus[] | null;
  @Field(() => Stage, { nullable: true }) toStage?: Stage | null;
  @Field(() => String, { nullable: true }) requestedBy?: string | null;
}

@InputType()
export class AuditEventFilter {
  @Field(() => String, { nullable: true }) modelName?: string | null;
  @Field(() => [String], { nullable: true }) actions?: string[] | null;
  @Field(() => String, { nullable: true }) actor?: string | null;
  @Field(() => Date, { nullable: true, description: 'Events at or after this time.' }) since?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Events before this time.' }) until?: Date | null;
}

@InputType()
export class TransitionRequestOrder {
  @Field(() => TransitionRequestOrderField) field!: TransitionRequestOrderField;
  @Field(() => SortDirection) direction!: SortDirection;
}

@InputType()
export class AuditEventOrder {
  @Field(() => AuditEventOrderField) field!: AuditEventOrderField;
  @Field(() => SortDirection) direction!: SortDirection;
}
