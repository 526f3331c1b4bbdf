import { Field, Int, ObjectType } from 'type-graphql';
import { Connection } from '../connection';
import { ModelVersionStatus, Stage } from './enums';
import { Node } from './node.type';

@ObjectType({ implements: Node })
export class ModelVersion extends Node {
  @Field(() => Int, { description: 'Numbered per model from 1; a number is never reused, even after its version is deleted.' })
  version!: number;
  @Field(() => Stage) stage!: Stage;
  @Field(() => ModelVersionStatus) status!: ModelVersionStatus;
  @Field(() => String, { nullable: true }) statusMessage!: string | null;
  @Field() source!: string;
  @Field(() => String, { nullable: true }) runId!: string | null;
  @Field(() => String, { nullable: true }) runLink!: string | null;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  @Field() createdBy!: string;
}

/** `ModelVersionConnection` and `ModelVersionEdge`. */
export const ModelVersionConnection = Connection(ModelVersion);
