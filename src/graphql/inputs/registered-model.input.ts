import { Field, InputType, ObjectType } from 'type-graphql';
import { RegisteredModel } from '../types/registered-model.type';

@InputType()
export class TagInput {
  @Field() key!: string;
  @Field() value!: string;
}

@InputType()
export class CreateRegisteredModelInput {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => [TagInput], { nullable: true }) tags?: TagInput[] | null;
}

@ObjectType()
export class CreateRegisteredModelPayload {
  @Field(() => RegisteredModel) registeredModel!: RegisteredModel;
}
