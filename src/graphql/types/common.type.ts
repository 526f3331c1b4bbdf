import { Field, Float, ObjectType } from 'type-graphql';

@ObjectType()
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field() hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ObjectType()
export class Tag {
  @Field() key!: string;
  @Field() value!: string;
}

@ObjectType()
export class Metric {
  @Field() key!: string;
  @Field(() => Float) value!: number;
}
