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

/**
 * An error as one small log field: its code (SQLSTATE, errno) and message only. Errors from database
 * clients carry the client itself, its pool and its connection settings: logged whole they run to
 * kilobytes per line and can include connection details.
 */
export function errorBrief(error: unknown): { code?: string; message: string } {
  if (error === null || typeof error !== 'object') return { message: String(error) };
  const { code, message } = error as { code?: unknown; message?: unknown };
  return {
    ...(typeof code === 'string' ? { code } : {}),
    message: typeof message === 'string' ? message.slice(0, 500) : 'unknown error',
  };
}
