import type { RequestHandler } from 'express';
import { documentRefusal, type DocumentLimits } from '../graphql/limits';

/**
 * Refuses a hostile query text (too large, too many tokens, too wide, too many repeated fields)
 * with 400 and BAD_USER_INPUT naming the limit, before Apollo parses or validates it.
 */
export function documentGuard(limits: DocumentLimits): RequestHandler {
  return (req, res, next) => {
    const query = req.method === 'GET' ? req.query?.query : (req.body as { query?: unknown } | undefined)?.query;
    const refusal = typeof query === 'string' ? documentRefusal(query, limits) : null;
    if (!refusal) return next();
    const { http: _status, ...extensions } = refusal.extensions;
    res.status(400).json({ errors: [{ message: refusal.message, extensions: { ...extensions, requestId: res.locals.requestId } }] });
  };
}
