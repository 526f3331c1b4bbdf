import type { Tx } from '../client';

export type IdempotencyRow = Awaited<ReturnType<Tx['idempotencyKey']['findUniqueOrThrow']>>;

export interface NewClaim {
  apiKeyId: number;
  key: string;
  requestHash: string;
  owner: string;
  leaseUntil: Date;
  expiresAt: Date;
}

/** Inserts a running claim and returns its id; a unique violation (P2002) means the key has a record already. */
export async function insertClaim(db: Tx, claim: NewClaim): Promise<number> {
  return (await db.idempotencyKey.create({ data: claim, select: { id: true } })).id;
}

export function findClaim(db: Tx, apiKeyId: number, key: string): Promise<IdempotencyRow | null> {
  return db.idempotencyKey.findUnique({ where: { apiKeyId_key: { apiKeyId, key } } });
}

/**
 * Takes over a record whose lease lapsed or that expired, as one conditional UPDATE: of two
 * processes trying at once, only one sees its `owner` still as it read it. True when it won.
 */
export async function takeOverClaim(db: Tx, row: IdempotencyRow, claim: NewClaim): Promise<boolean> {
  const { count } = await db.idempotencyKey.updateMany({
    where: { id: row.id, owner: row.owner },
    data: {
      requestHash: claim.requestHash,
      owner: claim.owner,
      leaseUntil: claim.leaseUntil,
      expiresAt: claim.expiresAt,
      status: null,
      body: null,
    },
  });
  return count === 1;
}

/** Extends a running claim's lease; false when another process took it over. */
export async function renewClaim(db: Tx, id: number, owner: string, leaseUntil: Date): Promise<boolean> {
  const { count } = await db.idempotencyKey.updateMany({ where: { id, owner, status: null }, data: { leaseUntil } });
  return count === 1;
}

/** Stores the response of the claim's request. */
export async function completeClaim(db: Tx, id: number, owner: string, status: number, body: string): Promise<boolean> {
  const { count } = await db.idempotencyKey.updateMany({ where: { id, owner, status: null }, data: { status, body } });
  return count === 1;
}

/** Drops a running claim whose request did not run (or failed unexpectedly): a retry runs anew. */
export async function releaseClaim(db: Tx, id: number, owner: string): Promise<void> {
  await db.idempotencyKey.deleteMany({ where: { id, owner, status: null } });
}

export async function deleteExpiredClaims(db: Tx, now: Date): Promise<number> {
  const { count } = await db.idempotencyKey.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}
