import type { Database } from '../db/client';
import { AliasService } from './alias.service';
import { ModelService } from './model.service';
import { RegistryService } from './registry.service';
import { VersionService } from './version.service';
import { GovernanceService } from './governance.service';
import { ApiKeyService } from './api-key.service';
import { EnvironmentService } from './environment.service';
import { DeploymentService } from './deployment.service';
import { WebhookService, type WebhookServiceOptions } from './webhook.service';
import { EventFeed } from './event-feed.service';
import { IdempotencyService } from './idempotency.service';

/** One instance of each use-case family per gateway; they hold no per-request state. */
export interface ServiceOptions extends WebhookServiceOptions {
  /** API_KEY_CACHE_MS; 0 (every check reads the database) unless the gateway says otherwise. */
  apiKeyCacheMs?: number;
}

export function createServices(db: Database, options: ServiceOptions = { allowPrivateUrls: false }) {
  return {
    registry: new RegistryService(db),
    models: new ModelService(db),
    versions: new VersionService(db),
    aliases: new AliasService(db),
    governance: new GovernanceService(db),
    apiKeys: new ApiKeyService(db, options.apiKeyCacheMs ?? 0),
    environments: new EnvironmentService(db),
    deployments: new DeploymentService(db),
    webhooks: new WebhookService(db, options),
    events: new EventFeed(db),
    idempotency: new IdempotencyService(db),
  };
}

export type Services = ReturnType<typeof createServices>;
