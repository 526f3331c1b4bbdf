import type { Principal } from '../domain/roles';

interface Entry {
  principal: Principal;
  /** When the database read it came from started, plus the time to live. */
  expires: number;
}

/**
 * Principals by token hash, trusted for `ttlMs` after the database said so: most requests check
 * their key without a round trip. Only known, active keys are kept (an unknown token is read
 * every time, so guessing fills nothing). A revocation in this process clears the cache after
 * its commit, and a read that started before that clear is not stored (the generation moved),
 * so the next request is refused; another process's revocation is seen within `ttlMs`.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  get(hash: string): Principal | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.expires > this.now()) return entry.principal;
    this.entries.delete(hash);
    return undefined;
  }

  /** Reads through the cache: `read` runs on a miss, and its answer is kept when it is a principal. */
  async through(hash: string, read: () => Promise<Principal | null>): Promise<Principal | null> {
    const cached = this.get(hash);
    if (cached) return cached;
    const generation = this.generation;
    const started = this.now();
    const principal = await read();
    if (principal && this.enabled && generation === this.generation) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(hash, { principal, expires: started + this.ttlMs });
    }
    return principal;
  }

  /** Forgets every key: called after a revocation commits. */
  invalidate(): void {
    this.generation += 1;
    this.entries.clear();
  }
}
