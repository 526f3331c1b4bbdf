import type { Database } from '../db/client';
import { RegistryService } from './registry.service';
import { GovernanceService } from './governance.service';
import { ApiKeyService } from './api-key.service';

/** One instance of each use-case family per gateway; they hold no per-request state. */
export function createServices(db: Database) {
  return {
    registry: new RegistryService(db),
    governance: new GovernanceService(db),
    apiKeys: new ApiKeyService(db),
  };
}

export type Services = ReturnType<typeof createServices>;
