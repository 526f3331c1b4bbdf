import { afterAttempt, DEFAULT_RETRY_SCHEDULE, isSuccess, type RetrySchedule } from './webhook-retry';

const queuedAt = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(queuedAt.getTime() + ms);
const mid = () => 0.5; // no jitter: factor 1

describe('afterAttempt with the default schedule', () => {
  it.each<[number, number, string, number | null]>([
    // attempts so far, now (ms after queued), status, next attempt (ms after now)
    [1, 0, 'FAILED', 5_000],
    [2, 5_000, 'FAILED', 30_000],
    [3, 35_000, 'FAILED', 120_000],
    [4, 155_000, 'FAILED', 600_000],
    [5, 755_000, 'FAILED', 3_600_000],
    [6, 4_355_000, 'FAILED', 14_400_000],
    [7, 18_755_000, 'FAILED', 14_400_000], // the last delay repeats
    [10, 72_000_000, 'FAILED', 14_400_000], // 20 h + 4 h = exactly 24 h: still in
    [11, 72_000_001, 'DEAD', null], // the next would be past 24 h
  ])('after attempt %i at +%i ms: %s, next in %s ms', (attempts, now, status, next) => {
    const outcome = afterAttempt({ ok: false, attempts, queuedAt, now: at(now), schedule: DEFAULT_RETRY_SCHEDULE, random: mid });
    expect(outcome.status).toBe(status);
    expect(outcome.nextAttemptAt && outcome.nextAttemptAt.getTime() - at(now).getTime()).toBe(next);
  });

  it('succeeds on any attempt that succeeds', () => {
    expect(afterAttempt({ ok: true, attempts: 3, queuedAt, now: at(1e9), schedule: DEFAULT_RETRY_SCHEDULE })).toEqual({
      status: 'SUCCEEDED',
      nextAttemptAt: null,
    });
  });

  it.each<[number, number]>([
    [0, 4_000],
    [0.999999, 6_000],
  ])('jitters the delay by up to 20%% (random %d -> %d ms)', (random, delay) => {
    const outcome = afterAttempt({
      ok: false,
      attempts: 1,
      queuedAt,
      now: queuedAt,
      schedule: DEFAULT_RETRY_SCHEDULE,
      random: () => random,
    });
    expect(outcome.nextAttemptAt!.getTime() - queuedAt.getTime()).toBe(delay);
  });

  it('follows a shortened schedule (how tests run in seconds)', () => {
    const schedule: RetrySchedule = { delaysMs: [100, 200], deadAfterMs: 1_000, jitter: 0 };
    const run = (attempts: number, now: number) => afterAttempt({ ok: false, attempts, queuedAt, now: at(now), schedule });
    expect(run(1, 10).nextAttemptAt).toEqual(at(110));
    expect(run(2, 120).nextAttemptAt).toEqual(at(320));
    expect(run(3, 330).nextAttemptAt).toEqual(at(530));
    expect(run(6, 900).status).toBe('DEAD');
  });
});

describe('isSuccess', () => {
  it.each<[number | null, boolean]>([
    [200, true],
    [204, true],
    [299, true],
    [301, false], // redirects are not followed
    [302, false],
    [400, false],
    [410, false],
    [500, false],
    [null, false], // timeout or connection error
  ])('%s -> %s', (code, ok) => expect(isSuccess(code)).toBe(ok));
});
