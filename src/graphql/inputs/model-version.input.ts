import { DELETED_ID } from '../types/deleted.type';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { ModelVersion } from '../types/model-version.type';
import { TagInput } from './registered-model.input';

@InputType()
export class MetricInput {
  @Field() key!: string;
  @Field(() => Float) value!: number;
}

@InputType()
export class CreateModelVersionInput {
  @Field() name!: string;
  @Field() source!: string;
  @Field(() => String, { nullable: true }) runId?: string | null;
  @Field(() => String, { nullable: true }) runLink?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => [TagInput], { nullable: true }) tags?: TagInput[] | null;
  @Field(() => [MetricInput], { nullable: true }) metrics?: MetricInput[] | null;
}

@ObjectType()
export class CreateModelVersionPayload {
  @Field(() => ModelVersion) modelVersion!: ModelVersion;
}

@InputType()
export class UpdateModelVersionInput {
  @Field() name!: string;
  @Field(() => Int) version!: number;
  @Field(() => String, { nullable: true, description: 'Omit to keep the description; null clears it.' }) description?: string | null;
}

@InputType()
export class DeleteModelVersionInput {
  @Field() name!: string;
  @Field(() => Int) version!: number;
}

@ObjectType()
export class DeleteModelVersionPayload {
  @Field(() => Int) deletedVersion!: number;
  @Field(() => ID, DELETED_ID) deletedId!: string;
}

@InputType()
export class SetModelVersionTagInput {
  @Field() name!: string;
  @Field(() => Int) version!: number;
  @Field() key!: string;
  @Field() value!: string;
}

@InputType()
export class DeleteModelVersionTagInput {
  @Field() name!: string;
  @Field(() => Int) version!: number;
  @Field() key!: string;
}

@InputType()
export class LogModelVersionMetricsInput {
  @Field() name!: string;
  @Field(() => Int) version!: number;
  @Field(() => [MetricInput]) metrics!: MetricInput[];
}

/** The payload of mutations on one version (also governance's direct stage transition). */
@ObjectType()
export class ModelVersionPayload {
  @Field(() => ModelVersion) modelVersion!: ModelVersion;
}
