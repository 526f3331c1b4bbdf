import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../connection';
import { Node } from './node.type';
import { Stage } from './enums';

// The same strings in the contract, the domain and the database.
export enum DeploymentStatus {
  PENDING = 'PENDING',
  IN_PROGRESS = 'IN_PROGRESS',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(DeploymentStatus, { name: 'DeploymentStatus' });

@ObjectType({ implements: Node, description: 'A target a deploy pipeline deploys model versions to, gated on their stage.' })
export class Environment extends Node {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => Stage, {
    description:
      'The stage a version must be in to be deployed here: NONE admits any live READY version, STAGING admits STAGING and PRODUCTION, PRODUCTION admits PRODUCTION only. ARCHIVED versions are never admitted.',
  })
  requiredStage!: Stage;
  @Field() createdAt!: Date;
  @Field() createdBy!: string;
}

@ObjectType({ description: 'Deployments of an environment by outcome.' })
export class DeploymentStats {
  @Field(() => Int) succeeded!: number;
  @Field(() => Int) failed!: number;
  @Field(() => Int) cancelled!: number;
  @Field(() => Int, { description: 'PENDING or IN_PROGRESS now.' }) active!: number;
  @Field(() => Float, { nullable: true, description: 'succeeded / (succeeded + failed); null when neither happened.' })
  successRate!: number | null;
}

@ObjectType({ implements: Node, description: 'What a deploy pipeline did: one version of a model, to one environment.' })
export class Deployment extends Node {
  @Field(() => DeploymentStatus) status!: DeploymentStatus;
  @Field({ description: 'The deployment configuration, a JSON object (replicas, resources, endpoint settings...).' }) config!: string;
  @Field(() => String, { nullable: true }) endpointUrl!: string | null;
  @Field(() => String, { nullable: true, description: 'The last status message reported.' }) message!: string | null;
  @Field() startedBy!: string;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

/** `DeploymentConnection` and `DeploymentEdge`. */
export const DeploymentConnection = Connection(Deployment);
