import type { Database } from '../db/client';
import { AliasService } from './alias.service';
import { ModelService } from './model.service';
import { RegistryService } from './registry.service';
import { VersionService } from './version.service';
import { GovernanceService } from './governance.service';
import { ApiKeyService } from './api-key.service';
import { IdempotencyService } from './idempotency.service';

/** One instance of each use-case family per gateway; they hold no per-request state. */
export function createServices(db: Database) {
  return {
    registry: new RegistryService(db),
    models: new ModelService(db),
    versions: new VersionService(db),
    aliases: new AliasService(db),
    governance: new GovernanceService(db),
    apiKeys: new ApiKeyService(db),
    idempotency: new IdempotencyService(db),
  };
}

export type Services = ReturnType<typeof createServices>;
