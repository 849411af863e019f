import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured logs. Secrets and personal data never reach them: the redaction list covers the
 * places they could appear (headers, provider payloads, configuration).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'password',
  '*.password',
  'secret',
  '*.secret',
  '*.privateKey',
  '*.privateKeyPem',
  '*.apiV3Key',
  'token',
  '*.token',
  'databaseUrl',
  '*.databaseUrl',
] as const;

export function createLogger(options: {
  level: string;
  name?: string;
  destination?: NodeJS.WritableStream;
}): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? 'takeout-refunds',
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? process.stdout,
  );
}

/** Strips credentials from a connection URL before it is logged. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparseable url]';
  }
}
