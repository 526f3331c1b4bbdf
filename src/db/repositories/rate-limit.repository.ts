import type { Tx } from '../client';
import type { WindowCount } from '../../domain/rate-limit';

/**
 * Adds points to a client's window in one statement, starting a new window when the old one
 * ended, and returns the count: concurrent requests from any gateway process each see their own
 * increment (PostgreSQL: INSERT ... ON CONFLICT DO UPDATE takes the row lock).
 */
export async function hitWindow(db: Tx, key: string, points: number, windowMs: number, now: Date): Promise<WindowCount> {
  const rows = await db.$queryRawUnsafe<{ points: number; resetAt: Date | string }[]>(
    `INSERT INTO "RateLimitCounter" ("key", "points", "resetAt") VALUES ($1, $2, $3)
     ON CONFLICT ("key") DO UPDATE SET
       "points" = CASE WHEN "RateLimitCounter"."resetAt" <= $4 THEN EXCLUDED."points" ELSE "RateLimitCounter"."points" + EXCLUDED."points" END,
       "resetAt" = CASE WHEN "RateLimitCounter"."resetAt" <= $4 THEN EXCLUDED."resetAt" ELSE "RateLimitCounter"."resetAt" END
     RETURNING "points", "resetAt"`,
    key,
    points,
    new Date(now.getTime() + windowMs),
    now,
  );
  return { points: Number(rows[0].points), resetAt: new Date(rows[0].resetAt) };
}

export async function deleteEndedWindows(db: Tx, now: Date): Promise<void> {
  await db.rateLimitCounter.deleteMany({ where: { resetAt: { lte: now } } });
}
