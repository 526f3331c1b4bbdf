/** A fixed window's count for one client: how many requests it made and when the window ends. */
export interface WindowCount {
  points: number;
  resetAt: Date;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until the window resets (at least 1): RateLimit-Reset and Retry-After. */
  resetSeconds: number;
}

/** Whether a request that brought its window to `count` may run, and what the headers say. */
export function decideRate(count: WindowCount, limit: number, now: Date): RateDecision {
  const resetSeconds = Math.max(1, Math.ceil((count.resetAt.getTime() - now.getTime()) / 1000));
  return { allowed: count.points <= limit, limit, remaining: Math.max(0, limit - count.points), resetSeconds };
}

/** Adds points to a window, or starts a new one when it has ended (the memory store's rule; SQL does the same). */
export function addToWindow(current: WindowCount | undefined, points: number, windowMs: number, now: Date): WindowCount {
  if (!current || current.resetAt <= now) return { points, resetAt: new Date(now.getTime() + windowMs) };
  return { points: current.points + points, resetAt: current.resetAt };
}

/**
 * Points a process claims from a shared window at once: 1% of the limit (at least 1, and at
 * least the requests waiting), so that a busy key costs one statement per hundredth of its limit
 * instead of one per request. What a process claimed and did not use lapses with the window: the
 * deployment never admits more than the limit, and at most this many fewer per process.
 */
export function claimSize(limit: number, waiting: number): number {
  return Math.max(waiting, Math.floor(limit / 100), 1);
}

/** Of `claimed` points, how many fit under `limit` once the window's count came back as `points`. */
export function grantedOf(claimed: number, points: number, limit: number): number {
  return Math.min(claimed, Math.max(0, claimed - (points - limit)));
}
