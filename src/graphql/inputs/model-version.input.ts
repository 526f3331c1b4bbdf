import { Field, Float, InputType, ObjectType } from 'type-graphql';
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
