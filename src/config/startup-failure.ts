import { StartupError } from '../errors/index.js';
import { safeUrl } from '../logging/index.js';
import type { AppConfig } from './config.js';

/** The driver's and the OS's error fields that say why a connection or a listen failed. */
interface SystemError {
  readonly code?: unknown;
  readonly port?: unknown;
  readonly address?: unknown;
  readonly message?: unknown;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ENOENT',
  'EHOSTUNREACH',
]);
/** PostgreSQL's own refusals at connection time: authentication, unknown database or role, too many clients. */
const POSTGRES_REFUSALS = new Set(['28P01', '28000', '3D000', '53300', '57P03']);

/**
 * A failed start as the one line a person can act on (naming the setting to change), or undefined
 * when the failure is a bug, which is logged in full instead.
 */
export function describeStartupFailure(
  error: unknown,
  config: AppConfig,
  databaseUrl?: string,
): string | undefined {
  if (error instanceof StartupError) return error.message;
  const failure = (error ?? {}) as SystemError;
  const code = typeof failure.code === 'string' ? failure.code : undefined;
  const message = typeof failure.message === 'string' ? failure.message : String(error);
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    const port = Number(failure.port);
    const setting = portSetting(port, config);
    const why = code === 'EADDRINUSE' ? 'is in use (another instance of this service?)' : 'is not allowed';
    return `Cannot listen on ${typeof failure.address === 'string' ? failure.address : config.http.host}:${port}: the port ${why}. Set ${setting} to a free port.`;
  }
  if (code !== undefined && (CONNECTION_CODES.has(code) || POSTGRES_REFUSALS.has(code))) {
    const where = databaseUrl === undefined ? 'PostgreSQL' : `PostgreSQL at ${safeUrl(databaseUrl)}`;
    return `Cannot connect to ${where}: ${message}. Check DATABASE_URL (unset it to use the embedded PostgreSQL).`;
  }
  return undefined;
}

function portSetting(port: number, config: AppConfig): string {
  if (port === config.simulators.wechatpayPort) return 'SIMULATOR_WECHATPAY_PORT';
  if (port === config.simulators.alipayPort) return 'SIMULATOR_ALIPAY_PORT';
  return 'PORT';
}
