import pino, { Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; tokens and authorization headers never reach them. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'haproxy-control' },
    redact: {
      paths: ['token', '*.token', 'headers.authorization', '*.headers.authorization', 'fagent_token', '*.fagent_token'],
      censor: '[redacted]',
    },
  });
}
