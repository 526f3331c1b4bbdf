import { Field, InputType, Int } from 'type-graphql';
import { ModelVersionOrderField, ModelVersionStatus, RegisteredModelOrderField, SortDirection, Stage } from '../types/enums';

@InputType()
export class TagFilter {
  @Field() key!: string;
  @Field(() => String, { nullable: true, description: 'Exact value; omit to match any value of the key.' }) value?: string | null;
}

@InputType()
export class RegisteredModelFilter {
  @Field(() => String, { nullable: true, description: 'Exact, case-sensitive name.' }) name?: string | null;
  @Field(() => String, { nullable: true, description: 'Case-insensitive substring; % _ and \\ are literal.' }) nameContains?: string | null;
  @Field(() => String, { nullable: true, description: 'Exact, case-sensitive prefix; % _ and \\ are literal.' }) namePrefix?: string | null;
  @Field(() => [TagFilter], { nullable: true, description: 'Every listed tag must be present.' }) tags?: TagFilter[] | null;
  @Field(() => Stage, { nullable: true, description: 'Only models that have at least one version in this stage.' })
  hasVersionInStage?: Stage | null;
}

@InputType()
export class RegisteredModelOrder {
  @Field(() => RegisteredModelOrderField) field!: RegisteredModelOrderField;
  @Field(() => SortDirection) direction!: SortDirection;
}

@InputType()
export class ModelVersionFilter {
  @Field(() => String, { nullable: true }) modelName?: string | null;
  @Field(() => [Stage], { nullable: true, description: 'Any of these stages; all when omitted or empty.' }) stages?: Stage[] | null;
  @Field(() => String, { nullable: true }) runId?: string | null;
  @Field(() => ModelVersionStatus, { nullable: true }) status?: ModelVersionStatus | null;
  @Field(() => [TagFilter], { nullable: true, description: 'Every listed tag must be present.' }) tags?: TagFilter[] | null;
  @Field(() => Int, { nullable: true }) minVersion?: number | null;
  @Field(() => Int, { nullable: true }) maxVersion?: number | null;
}

@InputType()
export class ModelVersionOrder {
  @Field(() => ModelVersionOrderField) field!: ModelVersionOrderField;
  @Field(() => SortDirection) direction!: SortDirection;
}
