import { isRole, signDevelopmentToken } from '../auth/index.js';
import { ConfigError, loadConfig } from '../config/index.js';
import { parseFlags } from './args.js';

/** `npm run token -- --role SUPPORT --sub agent_1 [--ttl 12h]`: prints a development bearer token. */
async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const role = flags.get('role') ?? 'SUPPORT';
  const subject = flags.get('sub') ?? 'agent_1';
  if (!isRole(role)) {
    throw new ConfigError(
      `--role must be one of CUSTOMER, MERCHANT, RIDER, SUPPORT, FINANCE, ADMIN, SERVICE`,
    );
  }
  const config = loadConfig(process.env);
  if (config.auth.hs256Secret === undefined) {
    throw new ConfigError('JWT_HS256_SECRET is not set: tokens for RS256 come from your identity provider');
  }
  const token = await signDevelopmentToken({
    secret: config.auth.hs256Secret,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    subject,
    role,
    expiresIn: flags.get('ttl') ?? '12h',
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
