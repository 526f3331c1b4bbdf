/**
 * When a webhook delivery is tried again. Pure: the clock and the random source come in, so the
 * table tests pin every case.
 */
export interface RetrySchedule {
  /** Delay before the 2nd, 3rd, ... attempt; the last one repeats. */
  delaysMs: readonly number[];
  /** A delivery still failing this long after it was queued is DEAD. */
  deadAfterMs: number;
  /** Each delay is scaled by a random factor in [1 - jitter, 1 + jitter], so retries of many deliveries spread out. */
  jitter: number;
}

/** About 5 s, 30 s, 2 min, 10 min, 1 h, 4 h, then every 4 h; DEAD after 24 h. */
export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = Object.freeze({
  delaysMs: Object.freeze([5_000, 30_000, 120_000, 600_000, 3_600_000, 14_400_000]),
  deadAfterMs: 86_400_000,
  jitter: 0.2,
});

export type AttemptOutcome =
  { status: 'SUCCEEDED'; nextAttemptAt: null } | { status: 'FAILED'; nextAttemptAt: Date } | { status: 'DEAD'; nextAttemptAt: null };

/** 2xx is success; anything else (3xx included: redirects are not followed) is a failure. */
export function isSuccess(statusCode: number | null): boolean {
  return statusCode !== null && statusCode >= 200 && statusCode < 300;
}

/**
 * The state of a delivery after its `attempts`-th attempt (1 for the first): SUCCEEDED on
 * success; otherwise FAILED with the time of the next attempt, or DEAD when that time would be
 * past `queuedAt + deadAfterMs`.
 */
export function afterAttempt(args: {
  ok: boolean;
  attempts: number;
  queuedAt: Date;
  now: Date;
  schedule: RetrySchedule;
  /** A number in [0, 1), Math.random by default. */
  random?: () => number;
}): AttemptOutcome {
  if (args.ok) return { status: 'SUCCEEDED', nextAttemptAt: null };
  const { delaysMs, deadAfterMs, jitter } = args.schedule;
  const base = delaysMs[Math.min(args.attempts, delaysMs.length) - 1] ?? 0;
  const factor = 1 + jitter * (2 * (args.random ?? Math.random)() - 1);
  const next = new Date(args.now.getTime() + Math.round(base * factor));
  if (next.getTime() > args.queuedAt.getTime() + deadAfterMs) return { status: 'DEAD', nextAttemptAt: null };
  return { status: 'FAILED', nextAttemptAt: next };
}
