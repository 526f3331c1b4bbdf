import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { RateDecision } from '../domain/rate-limit';
import type { RateLimitService } from '../services/rate-limit.service';
import { bearerToken } from './auth';
import { refuse } from './refusals';

function setHeaders(res: Response, decision: RateDecision, windowSeconds: number): void {
  res.set({
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(decision.resetSeconds),
    'RateLimit-Policy': `${decision.limit};w=${windowSeconds}`,
  });
}

function tooMany(res: Response, decision: RateDecision, reason: string, message: string): void {
  refuse(res, reason);
  res
    .status(429)
    .set('Retry-After', String(decision.resetSeconds))
    .json({
      errors: [
        { message, extensions: { code: 'RATE_LIMITED', retryAfterSeconds: decision.resetSeconds, requestId: res.locals.requestId } },
      ],
    });
}

/**
 * Per API key (per address without a token) request limits, and a stricter per-address limit on
 * failed authentications: once an address sent too many bad tokens it gets 429 before any
 * token is looked up. Runs before the request's SQL is counted, so x-sql-statements stays the
 * request's own. The token is identified by its hash, with no database lookup. A request that no
 * limit applies to passes through without waiting for anything.
 */
export function rateLimitMiddleware(limiter: RateLimitService): RequestHandler {
  const windowSeconds = Math.round(limiter.limits.windowMs / 1000);
  const decide = (res: Response, decision: RateDecision, next: () => void) => {
    setHeaders(res, decision, windowSeconds);
    if (decision.allowed) return next();
    tooMany(
      res,
      decision,
      'rate_limited',
      `Rate limit of ${decision.limit} requests per ${windowSeconds} s reached; retry in ${decision.resetSeconds} s`,
    );
  };
  return (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const blocked = limiter.authBlocked(address);
    if (blocked) {
      return tooMany(
        res,
        blocked,
        'auth_rate_limited',
        `Too many failed authentications from this address; retry in ${blocked.resetSeconds} s`,
      );
    }
    // Called by challengeOnRefusal before the 401 goes out, so the next request sees the count.
    res.locals.onAuthFailure = () => limiter.authFailed(address);
    if (!limiter.limits.requests) return next();
    const token = bearerToken(req);
    const decision = limiter.request(
      typeof token === 'string' ? `key:${createHash('sha256').update(token).digest('hex')}` : `ip:${address}`,
    );
    if (!decision) return next();
    decision.then((d) => decide(res, d, next), next);
  };
}
