import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../db/client';
import {
  completeClaim,
  deleteExpiredClaims,
  findClaim,
  insertClaim,
  releaseClaim,
  renewClaim,
  takeOverClaim,
  type NewClaim,
} from '../db/repositories/idempotency.repository';
import { CLAIM_LEASE_MS, IDEMPOTENCY_TTL_MS, decideClaim } from '../domain/idempotency';
import { isUniqueViolation } from './errors';

/** A claim this process holds while its request runs; renewed until completed or released. */
export interface RunningClaim {
  /** Stores the response that retries will get. */
  complete(status: number, body: string): Promise<void>;
  /** Forgets the claim: the request did not run, or failed unexpectedly; a retry runs anew. */
  release(): Promise<void>;
}

export type ClaimOutcome =
  | { kind: 'run'; claim: RunningClaim }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'mismatch' }
  /** Another request with the key still ran when this one stopped waiting. */
  | { kind: 'busy' };

export interface IdempotencyOptions {
  leaseMs: number;
  /** How long a retry waits for the first request's response before giving up with `busy`. */
  waitMs: number;
  pollMs: number;
}

const SWEEP_EVERY_MS = 60_000;

/**
 * Runs a mutation at most once per (API key, idempotency key) while its record lives (24 h).
 * The claim is a row inserted before the request runs: the unique (apiKeyId, key) lets one
 * request in across every gateway process on the database; the others wait for its response,
 * stored in the same row when it is done. A claim whose process died lapses after its lease.
 */
export class IdempotencyService {
  private lastSweep = 0;

  constructor(
    private readonly db: Database,
    private readonly options: IdempotencyOptions = { leaseMs: CLAIM_LEASE_MS, waitMs: 25_000, pollMs: 50 },
  ) {}

  async begin(apiKeyId: number, key: string, requestHash: string): Promise<ClaimOutcome> {
    await this.sweep();
    const giveUpAt = Date.now() + this.options.waitMs;
    for (;;) {
      const now = new Date();
      const claim: NewClaim = {
        apiKeyId,
        key,
        requestHash,
        owner: randomUUID(),
        leaseUntil: new Date(now.getTime() + this.options.leaseMs),
        expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
      };
      try {
        return { kind: 'run', claim: this.hold(await insertClaim(this.db.prisma, claim), claim.owner) };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      const row = await findClaim(this.db.prisma, apiKeyId, key);
      if (!row) continue; // released or swept meanwhile: claim it again
      const decision = decideClaim(row, requestHash, now);
      if (decision === 'replay') return { kind: 'replay', status: row.status!, body: row.body! };
      if (decision === 'mismatch') return { kind: 'mismatch' };
      if (decision === 'take-over') {
        if (await takeOverClaim(this.db.prisma, row, claim)) return { kind: 'run', claim: this.hold(row.id, claim.owner) };
        continue;
      }
      if (Date.now() >= giveUpAt) return { kind: 'busy' };
      await sleep(this.options.pollMs);
    }
  }

  /** Renews the lease while the request runs, so only a dead process's claim lapses. */
  private hold(id: number, owner: string): RunningClaim {
    const renew = setInterval(() => {
      renewClaim(this.db.prisma, id, owner, new Date(Date.now() + this.options.leaseMs)).catch(() => undefined);
    }, this.options.leaseMs / 3);
    renew.unref();
    return {
      complete: async (status, body) => {
        clearInterval(renew);
        await completeClaim(this.db.prisma, id, owner, status, body);
      },
      release: async () => {
        clearInterval(renew);
        await releaseClaim(this.db.prisma, id, owner);
      },
    };
  }

  /** Deletes expired records, at most once a minute per process. */
  private async sweep(): Promise<void> {
    if (Date.now() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = Date.now();
    await deleteExpiredClaims(this.db.prisma, new Date());
  }
}
