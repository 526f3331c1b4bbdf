import type { Counted, Tx } from '../db/client';
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
  statements: Counted;
  /**
   * The client this request reads through: it counts each statement in `statements`
   * (Database.countingClient). Root fields that read through it, and through the loaders, run
   * without an async context that counts (see statement-scope.ts).
   */
  db: Tx;
  /** Set for operations over WebSocket: the connection a subscription streams over. */
  connection?: SubscriptionConnection;
}

export interface SubscriptionConnection {
  /** Events a subscription may have waiting before the connection is closed with 4408. */
  bufferLimit: number;
  close(code: number, reason: string): void;
}
