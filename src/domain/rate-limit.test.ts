import { addToWindow, claimSize, decideRate, grantedOf } from './rate-limit';

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

  it.each([
    [20, 1, 1],
    [1200, 1, 12],
    [1200, 30, 30],
    [100_000, 3, 1000],
  ])('a limit of %i with %i requests waiting claims %i points', (limit, waiting, claimed) => {
    expect(claimSize(limit, waiting)).toBe(claimed);
  });

  it.each([
    [10, 10, 20, 10],
    [10, 25, 20, 5],
    [10, 30, 20, 0],
    [10, 45, 20, 0],
  ])('a claim of %i that brought the window to %i under a limit of %i grants %i', (claimed, points, limit, granted) => {
    expect(grantedOf(claimed, points, limit)).toBe(granted);
  });
});
