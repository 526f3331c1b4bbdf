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
