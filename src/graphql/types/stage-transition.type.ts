import { Field, ObjectType } from 'type-graphql';
import { Stage } from './enums';

@ObjectType({ description: 'One stage change of a model version.' })
export class StageTransition {
  @Field(() => Stage) fromStage!: Stage;
  @Field(() => Stage) toStage!: Stage;
  @Field() at!: Date;
  @Field() actor!: string;
}
