import type { RequestHandler } from 'express';
import { documentRefusal, type DocumentLimits } from '../graphql/limits';

/** Characters of accepted query texts remembered (about 4 MiB): a client's few documents, over and over. */
const ACCEPTED_CHARS = 2 * 1024 * 1024;

/**
 * Refuses a hostile query text (too large, too many tokens, too wide, too many repeated fields)
 * with 400 and BAD_USER_INPUT naming the limit, before Apollo parses or validates it. A text
 * accepted once is accepted again without lexing and parsing it anew (the answer depends on the
 * text alone); the texts remembered are forgotten all at once when they would pass ACCEPTED_CHARS.
 */
export function documentGuard(limits: DocumentLimits): RequestHandler {
  const accepted = new Set<string>();
  let chars = 0;
  return (req, res, next) => {
    const query = req.method === 'GET' ? req.query?.query : (req.body as { query?: unknown } | undefined)?.query;
    if (typeof query === 'string' && accepted.has(query)) return next();
    const refusal = typeof query === 'string' ? documentRefusal(query, limits) : null;
    if (!refusal) {
      if (typeof query === 'string' && query.length <= ACCEPTED_CHARS) {
        if (chars + query.length > ACCEPTED_CHARS) {
          accepted.clear();
          chars = 0;
        }
        accepted.add(query);
        chars += query.length;
      }
      return next();
    }
    const { http: _status, ...extensions } = refusal.extensions;
    res.status(400).json({ errors: [{ message: refusal.message, extensions: { ...extensions, requestId: res.locals.requestId } }] });
  };
}
