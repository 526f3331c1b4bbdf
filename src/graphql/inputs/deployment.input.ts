import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Deployment, DeploymentStatus, Environment } from '../types/deployment.type';
import { Stage } from '../types/enums';

@InputType()
export class DeploymentFilter {
  @Field(() => String, { nullable: true, description: 'An environment name.' }) environment?: string | null;
  @Field(() => String, { nullable: true }) modelName?: string | null;
  @Field(() => [DeploymentStatus], { nullable: true }) status?: DeploymentStatus[] | null;
  @Field(() => String, { nullable: true }) startedBy?: string | null;
}

@InputType()
export class CreateEnvironmentInput {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => Stage) requiredStage!: Stage;
}

@InputType()
export class UpdateEnvironmentInput {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => Stage, { nullable: true }) requiredStage?: Stage | null;
}

@InputType()
export class DeleteEnvironmentInput {
  @Field() name!: string;
}

@ObjectType()
export class EnvironmentPayload {
  @Field(() => Environment) environment!: Environment;
}

@ObjectType()
export class DeleteEnvironmentPayload {
  @Field() deletedName!: string;
}

@InputType()
export class StartDeploymentInput {
  @Field() name!: string;
  @Field(() => Int) version!: number;
  @Field() environment!: string;
  @Field(() => String, { nullable: true, description: 'A JSON object; {} when omitted.' }) config?: string | null;
}

@InputType()
export class ReportDeploymentStatusInput {
  @Field(() => ID) id!: string;
  @Field(() => DeploymentStatus, { description: 'IN_PROGRESS, SUCCEEDED or FAILED.' }) status!: DeploymentStatus;
  @Field(() => String, { nullable: true }) message?: string | null;
  @Field(() => String, { nullable: true }) endpointUrl?: string | null;
}

@InputType()
export class CancelDeploymentInput {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) comment?: string | null;
}

@InputType()
export class RollbackDeploymentInput {
  @Field() name!: string;
  @Field() environment!: string;
  @Field(() => String, { nullable: true }) comment?: string | null;
}

@ObjectType()
export class DeploymentPayload {
  @Field(() => Deployment) deployment!: Deployment;
}
