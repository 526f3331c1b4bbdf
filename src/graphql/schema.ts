import 'reflect-metadata';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { assertInterfaceType, type GraphQLSchema } from 'graphql';
import { authChecker } from './auth-checker';
import { NodeResolver } from './resolvers/node.resolver';
import { ModelVersionResolver } from './resolvers/model-version.resolver';
import { RegisteredModelResolver } from './resolvers/registered-model.resolver';
import { ModelAliasResolver } from './resolvers/model-alias.resolver';
import { GovernanceResolver } from './resolvers/governance.resolver';
import { StageTransitionResolver, TransitionRequestResolver } from './resolvers/transition-request.resolver';
import { ModelVersionGovernanceResolver } from './resolvers/model-version-governance.resolver';
import { RegisteredModelGovernanceResolver } from './resolvers/registered-model-governance.resolver';
import { AuditResolver } from './resolvers/audit.resolver';
import { ApiKeyResolver } from './resolvers/api-key.resolver';
import { renewLoadersAfterEachMutation } from './read-your-writes';
import { EnvironmentResolver } from './resolvers/environment.resolver';
import { DeploymentResolver } from './resolvers/deployment.resolver';
import { ModelVersionDeploymentsResolver, RegisteredModelDeploymentsResolver } from './resolvers/model-deployments.resolver';
import { WebhookDeliveryResolver, WebhookResolver } from './resolvers/webhook.resolver';
import { RegistryEventsResolver } from './resolvers/registry-events.resolver';
import { resolveNodeType } from './types/node.type';
import { resolvePlainFieldsDirectly } from './plain-fields';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [
  NodeResolver,
  RegisteredModelResolver,
  ModelVersionResolver,
  ModelAliasResolver,
  GovernanceResolver,
  TransitionRequestResolver,
  StageTransitionResolver,
  ModelVersionGovernanceResolver,
  RegisteredModelGovernanceResolver,
  AuditResolver,
  ApiKeyResolver,
  EnvironmentResolver,
  DeploymentResolver,
  RegisteredModelDeploymentsResolver,
  ModelVersionDeploymentsResolver,
  WebhookResolver,
  WebhookDeliveryResolver,
  RegistryEventsResolver,
];

/**
 * type-graphql insists on a PubSub once a schema has subscriptions, even when each brings its
 * own `subscribe` (registryEvents reads the event feed): this one refuses to be used.
 */
const noTopics = {
  publish(): void {
    throw new Error('modelgate publishes no topics: events come from the event feed');
  },
  subscribe(): AsyncIterable<never> {
    throw new Error('modelgate publishes no topics: events come from the event feed');
  },
};

let built: Promise<GraphQLSchema> | undefined;

/** The executable schema; built once per process (type-graphql's metadata is global). */
export function getSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers,
    authChecker,
    authMode: 'error',
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    pubSub: noTopics,
  }).then((schema) => {
    renewLoadersAfterEachMutation(schema);
    // type-graphql wraps resolveType in an async function; graphql-jit (jit-executor.ts) needs
    // the type name itself, so the interface gets the plain function back.
    assertInterfaceType(schema.getType('Node')).resolveType = resolveNodeType;
    resolvePlainFieldsDirectly(schema);
    return schema;
  });
  return built;
}
