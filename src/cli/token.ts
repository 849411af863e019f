import { isRole, signDevelopmentToken } from '../auth/index.js';
import { ConfigError, loadConfig } from '../config/index.js';
import { parseFlags } from './args.js';

const USAGE = `Prints a development bearer token (HS256, signed with JWT_HS256_SECRET or the development secret).

  npm run -s token -- --role ROLE --sub SUBJECT [--ttl 12h]

  --role  CUSTOMER, MERCHANT, RIDER, SUPPORT, FINANCE, ADMIN or SERVICE (default SUPPORT)
  --sub   who the caller is (default agent_1). Customers, merchants and riders see only what is
          theirs: --sub must be the order's customerId / merchantId / riderId (e.g. c_1, m_1)
  --ttl   lifetime: seconds or a duration such as 30m, 12h, 7d (default 12h)

Send it as "Authorization: Bearer <token>".
`;

/** `npm run token -- --role SUPPORT --sub agent_1 [--ttl 12h]`: prints a development bearer token. */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const flags = parseFlags(argv);
  const unknown = [...flags.keys()].filter((name) => !['role', 'sub', 'ttl'].includes(name));
  if (unknown.length > 0)
    throw new ConfigError(`Unknown option --${unknown[0]}: see npm run token -- --help`);
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
