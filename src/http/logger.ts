import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config';

/**
 * JSON lines. Authorization headers and tokens are redacted wherever they would appear.
 * `destination` defaults to stdout, written synchronously: the gateway logs little (start, errors,
 * shutdown), and pino's asynchronous default let `process.exit` after shutdown reorder or drop
 * the last lines ("stopped" came out before "draining"). Tests pass a stream to read the logs.
 */
export function createLogger(level: Config['logLevel'], destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'modelgate' },
    redact: { paths: ['authorization', 'token', '*.authorization', '*.token', 'headers', '*.headers'], censor: '[redacted]' },
  };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}
