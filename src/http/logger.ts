import pino, { type Logger } from 'pino';
import type { Config } from '../config';

/** JSON lines. Authorization headers and tokens are redacted wherever they would appear. */
export function createLogger(level: Config['logLevel']): Logger {
  return pino({
    level,
    base: { service: 'modelgate' },
    redact: { paths: ['authorization', 'token', '*.authorization', '*.token', 'headers', '*.headers'], censor: '[redacted]' },
  });
}
