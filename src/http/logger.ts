import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config';

/**
 * JSON lines. Authorization headers and tokens are redacted wherever they would appear.
 * `destination` defaults to stdout; tests pass a stream to read what would be logged.
 */
export function createLogger(level: Config['logLevel'], destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'modelgate' },
    redact: { paths: ['authorization', 'token', '*.authorization', '*.token', 'headers', '*.headers'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
