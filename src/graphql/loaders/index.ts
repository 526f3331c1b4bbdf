import type { Tx } from '../../db/client';
import type { LoaderOptions } from './loader';
import { registryLoaders } from './registry.loader';
import { governanceLoaders } from './governance.loader';
import { deploymentLoaders } from './deployment.loader';
import { webhookLoaders } from './webhook.loader';

/** Built fresh for every request, so a response never reads another request's cache. */
export function createLoaders(db: Tx, options: LoaderOptions) {
  const registry = registryLoaders(db, options);
  return {
    ...registry,
    ...governanceLoaders(db, options),
    ...deploymentLoaders(db, options, registry),
    ...webhookLoaders(db, options),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
