import { Field, Int, ObjectType } from 'type-graphql';
import { Decision, Stage, TransitionRequestStatus } from './enums';
import { Node } from './node.type';

@ObjectType()
export class ApprovalDecision {
  @Field() approver!: string;
  @Field(() => Decision) decision!: Decision;
  @Field(() => String, { nullable: true }) comment!: string | null;
  @Field() createdAt!: Date;
}

@ObjectType({
  implements: Node,
  description: 'A request to move a model version to another stage, decided by approvers under the policy in force.',
})
export class TransitionRequest extends Node {
  @Field(() => Stage) fromStage!: Stage;
  @Field(() => Stage) toStage!: Stage;
  @Field(() => TransitionRequestStatus) status!: TransitionRequestStatus;
  @Field() requestedBy!: string;
  @Field(() => String, { nullable: true }) comment!: string | null;
  @Field() archiveExistingVersions!: boolean;
  @Field(() => Int, { description: 'Taken from the policy in force when the request was made.' }) requiredApprovals!: number;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) resolvedAt!: Date | null;
}
