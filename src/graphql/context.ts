import type { Principal } from '../domain/roles';
import type { Services } from '../services';
import type { Loaders } from './loaders';

export interface Context {
  requestId: string;
  /** null: no token and anonymous reads are off. */
  principal: Principal | null;
  services: Services;
  /** Per-request loaders; renewed after each mutation (read-your-writes.ts). */
  loaders: Loaders;
  /** Builds a fresh set of loaders for this request. */
  createLoaders: () => Loaders;
  /** SQL statements this request ran so far. */
  statements: { count: number };
}
