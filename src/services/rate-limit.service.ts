import type { Database } from '../db/client';
import { deleteEndedWindows, hitWindow } from '../db/repositories/rate-limit.repository';
import { addToWindow, claimSize, decideRate, grantedOf, type RateDecision, type WindowCount } from '../domain/rate-limit';

/** Where window counts live: the database on PostgreSQL (shared by processes), memory on SQLite. */
interface WindowStore {
  hit(key: string, points: number, windowMs: number, now: Date): Promise<WindowCount>;
  sweep(now: Date): Promise<void>;
}

class MemoryStore implements WindowStore {
  private readonly windows = new Map<string, WindowCount>();
  async hit(key: string, points: number, windowMs: number, now: Date): Promise<WindowCount> {
    const next = addToWindow(this.windows.get(key), points, windowMs, now);
    this.windows.set(key, next);
    return next;
  }
  async sweep(now: Date): Promise<void> {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

class DatabaseStore implements WindowStore {
  constructor(private readonly db: Database) {}
  hit(key: string, points: number, windowMs: number, now: Date): Promise<WindowCount> {
    return hitWindow(this.db.prisma, key, points, windowMs, now);
  }
  sweep(now: Date): Promise<void> {
    return deleteEndedWindows(this.db.prisma, now);
  }
}

export interface RateLimits {
  /** Requests per window per API key (per address without a token); 0: no limit. */
  requests: number;
  /** Failed authentications per window per address before it is refused; 0: no limit. */
  authFailures: number;
  windowMs: number;
}

const SWEEP_EVERY_MS = 60_000;

/** A client's share of its window in this process: what it claimed and has not used yet. */
interface Share {
  resetAt: Date;
  /** The window's count after this process's last claim, its unused points included, the points it was refused not. */
  points: number;
  /** Points claimed and not used yet. */
  left: number;
  /** Requests waiting for the claim in flight. */
  waiting: { resolve(decision: RateDecision): void; reject(error: unknown): void }[];
  claiming: boolean;
}

/**
 * Fixed-window rate limits. On PostgreSQL every gateway process counts in one table, so the
 * limits hold for the whole deployment; on SQLite (one process) they count in memory.
 *
 * A request is not a statement: each process claims points from the shared window in batches
 * (claimSize) and spends them locally, requests that arrive during a claim join the next one,
 * and a window known to be used up refuses with no statement at all. Failed authentications are
 * counted in the shared table as they happen; the process that sees an address reach the limit
 * refuses it locally until its window ends, so checking an address costs nothing.
 */
export class RateLimitService {
  private readonly store: WindowStore;
  private lastSweep = Date.now();
  private readonly shares = new Map<string, Share>();
  /** Addresses over their failed-authentication limit, and when their window ends. */
  private readonly blocked = new Map<string, WindowCount>();
  /** Whether a claim takes more than the requests waiting (claimSize): on a database; in memory a claim is free. */
  private readonly batched: boolean;

  constructor(
    db: Database,
    readonly limits: RateLimits,
  ) {
    this.batched = db.provider === 'postgres';
    this.store = this.batched ? new DatabaseStore(db) : new MemoryStore();
  }

  /** Counts one request of `client` (e.g. `key:<hash>` or `ip:<address>`) and decides it. */
  request(client: string, now = new Date()): Promise<RateDecision> | null {
    const limit = this.limits.requests;
    if (!limit) return null;
    this.sweep(now);
    let share = this.shares.get(client);
    if (share && share.resetAt <= now && !share.claiming) share = undefined;
    if (!share) {
      share = { resetAt: now, points: 0, left: 0, waiting: [], claiming: false };
      this.shares.set(client, share);
    }
    if (share.left > 0) return Promise.resolve(this.spend(share, now));
    if (!share.claiming && share.resetAt > now && share.points >= limit) return Promise.resolve(this.refusal(share, now));
    return new Promise((resolve, reject) => {
      share.waiting.push({ resolve, reject });
      if (!share.claiming) void this.claim(client, share);
    });
  }

  /** Claims points for the requests waiting on `share`, until none wait. */
  private async claim(client: string, share: Share): Promise<void> {
    share.claiming = true;
    const limit = this.limits.requests;
    try {
      while (share.waiting.length) {
        const waiting = share.waiting.splice(0);
        const claimed = this.batched ? claimSize(limit, waiting.length) : waiting.length;
        const now = new Date();
        try {
          const count = await this.store.hit(`req:${client}`, claimed, this.limits.windowMs, now);
          const granted = grantedOf(claimed, count.points, limit);
          // The points claimed past the limit are nobody's: they count neither as used nor as left.
          Object.assign(share, { resetAt: count.resetAt, points: count.points - claimed + granted, left: granted });
          for (const w of waiting) w.resolve(share.left > 0 ? this.spend(share, now) : this.refusal(share, now));
        } catch (error) {
          for (const w of waiting) w.reject(error);
        }
      }
    } finally {
      share.claiming = false;
    }
  }

  private spend(share: Share, now: Date): RateDecision {
    share.left--;
    return decideRate({ points: share.points - share.left, resetAt: share.resetAt }, this.limits.requests, now);
  }

  private refusal(share: Share, now: Date): RateDecision {
    return { ...decideRate(share, this.limits.requests, now), allowed: false, remaining: 0 };
  }

  /** Whether an address used up its failed authentications (as this process last learnt); counts nothing. */
  authBlocked(address: string, now = new Date()): RateDecision | null {
    if (!this.limits.authFailures) return null;
    const window = this.blocked.get(address);
    if (!window) return null;
    if (window.resetAt <= now) {
      this.blocked.delete(address);
      return null;
    }
    return { ...decideRate(window, this.limits.authFailures, now), allowed: false };
  }

  /** Counts a failed authentication of an address; from the limit on, this process refuses it. */
  async authFailed(address: string, now = new Date()): Promise<void> {
    if (!this.limits.authFailures) return;
    const count = await this.store.hit(`authfail:${address}`, 1, this.limits.windowMs, now);
    if (count.points >= this.limits.authFailures) this.blocked.set(address, count);
  }

  /** Forgets ended windows, here and (once a minute) in the store. */
  private sweep(now: Date): void {
    if (now.getTime() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now.getTime();
    for (const [client, share] of this.shares) if (share.resetAt <= now && !share.claiming) this.shares.delete(client);
    for (const [address, window] of this.blocked) if (window.resetAt <= now) this.blocked.delete(address);
    this.store.sweep(now).catch(() => undefined); // an ended window left behind is overwritten by the next hit
  }
}
