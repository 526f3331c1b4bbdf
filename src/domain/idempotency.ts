import { createHash } from 'node:crypto';

/**
 * Idempotency keys: a client retrying a mutation sends the same `Idempotency-Key`; the first
 * response for (API key, idempotency key) is kept for a day and replayed to every retry.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * A running request holds its claim this long and renews it while it runs; a claim whose
 * holder died (crash, kill -9) lapses after this, so a retry can take it over.
 */
export const CLAIM_LEASE_MS = 30_000;

const KEY = /^[\x20-\x7e]{1,255}$/;

/** The header's value when it is 1 to 255 printable ASCII characters, else a message saying why not. */
export function checkIdempotencyKey(value: string): { key: string } | { error: string } {
  if (KEY.test(value)) return { key: value };
  if (value.length === 0 || value.length > 255) {
    return { error: `Idempotency-Key must be 1 to 255 characters, got ${value.length}` };
  }
  return { error: 'Idempotency-Key must be printable ASCII characters (space to ~)' };
}

/** JSON with object keys sorted, so the same request hashes the same whatever its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** What makes two requests "the same": the operation text, its name and its variables. */
export function requestFingerprint(body: { query?: unknown; operationName?: unknown; variables?: unknown; extensions?: unknown }): string {
  const shape = {
    query: body.query ?? null,
    operationName: body.operationName ?? null,
    variables: body.variables ?? {},
    extensions: body.extensions ?? {},
  };
  return createHash('sha256').update(canonical(shape)).digest('hex');
}

export interface StoredClaim {
  requestHash: string;
  /** The HTTP status of the stored response; null while the first request runs. */
  status: number | null;
  leaseUntil: Date;
  expiresAt: Date;
}

export type ClaimDecision =
  /** The stored response answers this retry. */
  | 'replay'
  /** The key was used for another request: refuse. */
  | 'mismatch'
  /** The first request still runs: wait for its response. */
  | 'wait'
  /** The holder died (its lease lapsed) or the record expired: take the claim over and run. */
  | 'take-over';

/** What a request with this key does, given the record the key has. */
export function decideClaim(stored: StoredClaim, requestHash: string, now: Date): ClaimDecision {
  if (stored.expiresAt <= now) return 'take-over';
  if (stored.requestHash !== requestHash) return 'mismatch';
  if (stored.status !== null) return 'replay';
  return stored.leaseUntil <= now ? 'take-over' : 'wait';
}
