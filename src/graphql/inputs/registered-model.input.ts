import { DELETED_ID } from '../types/deleted.type';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
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

@InputType()
export class UpdateRegisteredModelInput {
  @Field() name!: string;
  @Field(() => String, { nullable: true, description: 'Omit to keep the description; null clears it.' }) description?: string | null;
}

@ObjectType()
export class UpdateRegisteredModelPayload {
  @Field(() => RegisteredModel) registeredModel!: RegisteredModel;
}

@InputType()
export class RenameRegisteredModelInput {
  @Field() name!: string;
  @Field() newName!: string;
}

@ObjectType()
export class RenameRegisteredModelPayload {
  @Field(() => RegisteredModel) registeredModel!: RegisteredModel;
}

@InputType()
export class DeleteRegisteredModelInput {
  @Field() name!: string;
}

@ObjectType()
export class DeleteRegisteredModelPayload {
  @Field() deletedName!: string;
  @Field(() => ID, DELETED_ID) deletedId!: string;
}

@InputType()
export class SetRegisteredModelTagInput {
  @Field() name!: string;
  @Field() key!: string;
  @Field() value!: string;
}

@InputType()
export class DeleteRegisteredModelTagInput {
  @Field() name!: string;
  @Field() key!: string;
}

/** The payload of the model tag mutations. */
@ObjectType()
export class RegisteredModelPayload {
  @Field(() => RegisteredModel) registeredModel!: RegisteredModel;
}
