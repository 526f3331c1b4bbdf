import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { Role } from '../types/enums';
import { Principal } from '../types/principal.type';

@InputType()
export class CreateApiKeyInput {
  @Field() name!: string;
  @Field(() => [Role]) roles!: Role[];
}

@ObjectType()
export class CreateApiKeyPayload {
  @Field(() => Principal) principal!: Principal;
  @Field({ description: 'Shown once; only a hash is stored.' }) token!: string;
}

@InputType()
export class RevokeApiKeyInput {
  @Field() name!: string;
}

@ObjectType()
export class RevokeApiKeyPayload {
  @Field() revokedName!: string;
  @Field(() => ID, {
    description: "The revoked key's Principal id: for a client cache to drop it from lists of active keys (it stays readable by id).",
  })
  revokedId!: string;
}
