import { isObjectType, type GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';

/**
 * type-graphql gives every plain `@Field` a resolver of its own that reads the property (through
 * its middleware chain, empty here). graphql-jit inlines a field without a resolver as a property
 * read inside the object it builds; a field with one costs a call, a result check and a slot in
 * its deferred work. So the plain fields of object types get no resolver: graphql-jit and
 * graphql-js then read the property, which is what type-graphql's resolver returned.
 *
 * Kept: fields with a @FieldResolver, with roles or middlewares, renamed ones, fields declared
 * `simple: false` (a value that may be a promise, such as a connection's lazy totalCount, needs
 * a resolver for graphql-jit to await it), and fields an object type inherits (from an interface
 * or a superclass), which are left as type-graphql built them.
 */
export function resolvePlainFieldsDirectly(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  const hasResolver = (target: Function, name: string) =>
    storage.fieldResolvers.some((r) => r.methodName === name && r.getObjectType?.() === target);
  for (const objectType of storage.objectTypes) {
    const type = schema.getType(objectType.name);
    if (!isObjectType(type)) continue;
    const fields = type.getFields();
    for (const field of objectType.fields ?? []) {
      const plain =
        field.simple !== false &&
        field.name === field.schemaName &&
        !field.roles?.length &&
        !field.middlewares?.length &&
        !hasResolver(objectType.target, field.name);
      const built = fields[field.schemaName];
      if (plain && built?.resolve) built.resolve = undefined;
    }
  }
}
