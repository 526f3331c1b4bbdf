import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { RegisteredModel } from '../types/registered-model.type';

@InputType()
export class SetModelAliasInput {
  @Field() name!: string;
  @Field() alias!: string;
  @Field(() => Int) version!: number;
}

@InputType()
export class DeleteModelAliasInput {
  @Field() name!: string;
  @Field() alias!: string;
}

@ObjectType()
export class ModelAliasPayload {
  @Field(() => RegisteredModel) registeredModel!: RegisteredModel;
}
