import { addToWindow, decideRate } from './rate-limit';

describe('rate limits (fixed windows)', () => {
  const now = new Date('2026-12-01T12:00:00.000Z');
  const at = (ms: number) => new Date(now.getTime() + ms);

  it('starts a window on the first request and adds to it until it ends', () => {
    const first = addToWindow(undefined, 1, 60_000, now);
    expect(first).toEqual({ points: 1, resetAt: at(60_000) });
    const second = addToWindow(first, 1, 60_000, at(10_000));
    expect(second).toEqual({ points: 2, resetAt: at(60_000) });
    expect(addToWindow(second, 1, 60_000, at(60_000))).toEqual({ points: 1, resetAt: at(120_000) });
  });

  it.each([
    [1, 3, true, 2],
    [3, 3, true, 0],
    [4, 3, false, 0],
    [40, 3, false, 0],
  ])('%i requests against a limit of %i: allowed %s, remaining %i', (points, limit, allowed, remaining) => {
    expect(decideRate({ points, resetAt: at(59_500) }, limit, now)).toEqual({ allowed, limit, remaining, resetSeconds: 60 });
  });

  it('never tells a client to wait less than a second', () => {
    expect(decideRate({ points: 9, resetAt: at(10) }, 3, now).resetSeconds).toBe(1);
    expect(decideRate({ points: 9, resetAt: at(-5) }, 3, now).resetSeconds).toBe(1);
  });
});
