import { checkIdempotencyKey, decideClaim, requestFingerprint, type StoredClaim } from './idempotency';

describe('idempotency keys', () => {
  it.each([
    ['a', true],
    ['550e8400-e29b-41d4-a716-446655440000', true],
    ['approve request 42 ~ retry', true],
    ['x'.repeat(255), true],
    ['', false],
    ['x'.repeat(256), false],
    ['tab\there', false],
    ['ünïcode', false],
    ['new\nline', false],
  ])('checkIdempotencyKey(%j) accepts: %s', (value, ok) => {
    const result = checkIdempotencyKey(value);
    expect('key' in result).toBe(ok);
    if (!ok) expect((result as { error: string }).error).toContain('Idempotency-Key');
  });

  it('fingerprints a request by its operation, name and variables, whatever the key order', () => {
    const a = requestFingerprint({ query: 'mutation { x }', variables: { a: 1, b: { c: 2, d: [1, 2] } } });
    const b = requestFingerprint({ variables: { b: { d: [1, 2], c: 2 }, a: 1 }, query: 'mutation { x }', operationName: null });
    expect(a).toBe(b);
    expect(requestFingerprint({ query: 'mutation { x }', variables: { a: 2, b: { c: 2, d: [1, 2] } } })).not.toBe(a);
    expect(requestFingerprint({ query: 'mutation { x }', variables: { a: 1, b: { c: 2, d: [2, 1] } } })).not.toBe(a);
    expect(requestFingerprint({ query: 'mutation { x }', operationName: 'X', variables: { a: 1, b: { c: 2, d: [1, 2] } } })).not.toBe(a);
  });

  const now = new Date('2026-12-01T12:00:00Z');
  const later = new Date('2026-12-01T12:00:30Z');
  const earlier = new Date('2026-12-01T11:59:30Z');
  const claim = (over: Partial<StoredClaim>): StoredClaim => ({
    requestHash: 'h',
    status: null,
    leaseUntil: later,
    expiresAt: new Date('2026-12-02T12:00:00Z'),
    ...over,
  });
  it.each<[string, StoredClaim, string, string]>([
    ['a finished request with the same body', claim({ status: 200 }), 'h', 'replay'],
    ['a finished request with another body', claim({ status: 200 }), 'other', 'mismatch'],
    ['a running request with another body', claim({}), 'other', 'mismatch'],
    ['a running request whose lease holds', claim({}), 'h', 'wait'],
    ['a running request whose lease lapsed (its process died)', claim({ leaseUntil: earlier }), 'h', 'take-over'],
    ['an expired record, even with another body', claim({ status: 200, expiresAt: earlier }), 'other', 'take-over'],
  ])('decideClaim: %s -> %s', (_what, stored, hash, decision) => {
    expect(decideClaim(stored, hash, now)).toBe(decision);
  });
});
