import type { Database } from '../db/client';
import { deleteEndedWindows, hitWindow, peekWindow } from '../db/repositories/rate-limit.repository';
import { addToWindow, decideRate, type RateDecision, type WindowCount } from '../domain/rate-limit';

/** Where window counts live: the database on PostgreSQL (shared by processes), memory on SQLite. */
interface WindowStore {
  hit(key: string, points: number, windowMs: number, now: Date): Promise<WindowCount>;
  peek(key: string, now: Date): Promise<WindowCount | undefined>;
  sweep(now: Date): Promise<void>;
}

class MemoryStore implements WindowStore {
  private readonly windows = new Map<string, WindowCount>();
  async hit(key: string, points: number, windowMs: number, now: Date): Promise<WindowCount> {
    const next = addToWindow(this.windows.get(key), points, windowMs, now);
    this.windows.set(key, next);
    return next;
  }
  async peek(key: string, now: Date): Promise<WindowCount | undefined> {
    const current = this.windows.get(key);
    return current && current.resetAt > now ? current : undefined;
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
  peek(key: string, now: Date): Promise<WindowCount | undefined> {
    return peekWindow(this.db.prisma, key, now);
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

/**
 * Fixed-window rate limits. On PostgreSQL every gateway process counts in one table, so the
 * limits hold for the whole deployment; on SQLite (one process) they count in memory.
 */
export class RateLimitService {
  private readonly store: WindowStore;
  private lastSweep = Date.now();

  constructor(
    db: Database,
    readonly limits: RateLimits,
  ) {
    this.store = db.provider === 'postgres' ? new DatabaseStore(db) : new MemoryStore();
  }

  /** Counts one request of `client` (e.g. `key:<hash>` or `ip:<address>`) and decides it. */
  async request(client: string, now = new Date()): Promise<RateDecision | null> {
    if (!this.limits.requests) return null;
    await this.sweep(now);
    return decideRate(await this.store.hit(`req:${client}`, 1, this.limits.windowMs, now), this.limits.requests, now);
  }

  /** Whether an address used up its failed authentications; counts nothing. */
  async authBlocked(address: string, now = new Date()): Promise<RateDecision | null> {
    if (!this.limits.authFailures) return null;
    const window = await this.store.peek(`authfail:${address}`, now);
    if (!window || window.points < this.limits.authFailures) return null;
    return { ...decideRate(window, this.limits.authFailures, now), allowed: false };
  }

  /** Counts a failed authentication of an address. */
  async authFailed(address: string, now = new Date()): Promise<void> {
    if (!this.limits.authFailures) return;
    await this.store.hit(`authfail:${address}`, 1, this.limits.windowMs, now);
  }

  private async sweep(now: Date): Promise<void> {
    if (now.getTime() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now.getTime();
    await this.store.sweep(now);
  }
}
