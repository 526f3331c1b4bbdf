import { Field, Float, Int, ObjectType } from 'type-graphql';
import { MetricComparator, Stage } from './enums';

@ObjectType({ description: 'Holds when the version has the metric and its value compares true against the threshold.' })
export class MetricGate {
  @Field() metric!: string;
  @Field(() => MetricComparator) comparator!: MetricComparator;
  @Field(() => Float) threshold!: number;
}

@ObjectType({ description: 'What a change to one target stage needs: approvals, self-approval, metric gates.' })
export class GovernancePolicy {
  @Field(() => String, { nullable: true, description: 'Null for the registry-wide default.' }) modelName!: string | null;
  @Field(() => Stage) stage!: Stage;
  @Field(() => Int) requiredApprovals!: number;
  @Field() allowSelfApproval!: boolean;
  @Field(() => [MetricGate]) metricGates!: MetricGate[];
}
