import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_JWT_SECRET, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('starts on defaults for development', () => {
    const config = loadConfig({ NODE_ENV: 'development' });
    expect(config.auth.hs256Secret).toBe(DEV_JWT_SECRET);
    expect(config.http.port).toBe(4000);
    expect(config.database.url).toBeUndefined();
    expect(config.graphql.sandbox).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
  });

  it.each([
    [{}, /^Invalid configuration: JWT_HS256_SECRET \(unset\): required in production/],
    [{ NODE_ENV: 'development', TLS_CERT_FILE: 'cert.pem' }, /^Invalid configuration: TLS_KEY_FILE/],
    [
      { PORT: 'eighty' },
      /^Invalid configuration: PORT \("eighty"\): expected a port number from 0 to 65535$/,
    ],
    [{ PORT: '70000' }, /^Invalid configuration: PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /^Invalid configuration: DATABASE_URL \(a value\): expected a postgres/],
    [{ MIGRATE_ON_START: 'maybe' }, /^Invalid configuration: MIGRATE_ON_START/],
    [
      { JWT_HS256_SECRET: 'short' },
      /^Invalid configuration: JWT_HS256_SECRET \(a value\): expected at least 32/,
    ],
    [
      { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x' },
      /JWT_HS256_SECRET \(unset\): required in production/,
    ],
    [
      { NODE_ENV: 'production', JWT_HS256_SECRET: 'x'.repeat(32) },
      /DATABASE_URL \(unset\): required in production/,
    ],
  ])('names the bad variable in one line: %o', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('treats a forgotten NODE_ENV as production: no development secret, sandbox or simulators', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://db/x', JWT_HS256_SECRET: 'x'.repeat(32) });
    expect(config.env).toBe('production');
    expect(config.graphql.sandbox).toBe(false);
    expect(config.graphql.introspection).toBe(false);
    expect(config.simulators.enabled).toBe(false);
    const rs256 = loadConfig({ DATABASE_URL: 'postgres://db/x', JWT_RS256_PUBLIC_KEY: 'pem' });
    expect(rs256.auth.hs256Secret).toBeUndefined();
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/x', JWT_HS256_SECRET: DEV_JWT_SECRET })).toThrow(
      /JWT_HS256_SECRET \(a value\): the public development secret/,
    );
  });

  it('never echoes a secret value', () => {
    expect(() => loadConfig({ JWT_HS256_SECRET: 'hunter2' })).toThrow(/JWT_HS256_SECRET \(a value\)/);
    expect(() => loadConfig({ JWT_HS256_SECRET: 'hunter2' })).not.toThrow(/hunter2/);
  });

  it('turns off the sandbox and introspection in production', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/x',
      JWT_HS256_SECRET: 'x'.repeat(32),
    });
    expect(config.graphql.sandbox).toBe(false);
    expect(config.graphql.introspection).toBe(false);
    expect(config.simulators.enabled).toBe(false);
  });
});
