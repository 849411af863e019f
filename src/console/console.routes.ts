import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isRole, signDevelopmentToken } from '../auth/index.js';
import type { Logger } from '../logging/index.js';

/** Where the console is served; the built pages live in `<assetsDir>/index.html` and `assets/`. */
export const CONSOLE_PATH = '/console';

/**
 * Scripts, styles, images and API calls from this origin only: no inline code, no CDN, no frames,
 * and DOM sinks that parse HTML refuse plain strings (Trusted Types).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
} as const;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Asset names carry a content hash (`main-3FQ2K7XA.js`): cached for a year, never revalidated. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const DEV_TOKEN_TTL = '8h';
const SUBJECT = /^[A-Za-z0-9_.:-]{1,64}$/;

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

export interface ConsoleOptions {
  /** Directory with the built pages; undefined: this project's `dist/console`. */
  readonly assetsDir: string | undefined;
  /** Development role picker: signs tokens with the HS256 key. Never set in production. */
  readonly devSignIn:
    { readonly secret: string; readonly issuer: string; readonly audience: string } | undefined;
  readonly logger: Logger;
}

/**
 * The back office's pages: static files built by `npm run build` (esbuild, `src/cli/build-console.ts`),
 * kept in memory and served with a strict CSP. The pages talk to `/graphql` like any other client.
 */
export async function registerConsoleRoutes(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const dir = options.assetsDir ?? defaultAssetsDir();
  if (!existsSync(path.join(dir, 'index.html')))
    options.logger.warn({ dir }, 'console pages not built (npm run build): /console answers 503');
  // Read and hashed on the first request (about 1.6 MB with the source map), not by every start.
  let files: Map<string, StaticFile> | undefined;
  const file = (name: string): StaticFile | undefined => (files ??= loadFiles(dir)).get(name);

  const page = async (request: { headers: Record<string, unknown> }, reply: FastifyReply) => {
    void reply.headers(SECURITY_HEADERS);
    const index = file('index.html');
    if (!index) return reply.status(503).type('text/plain; charset=utf-8').send('Console not built.');
    void reply.header('cache-control', 'no-cache').header('etag', index.etag);
    if (request.headers['if-none-match'] === index.etag) return reply.status(304).send();
    return reply.type(index.type).send(index.body);
  };
  app.get(CONSOLE_PATH, page);
  app.get(`${CONSOLE_PATH}/`, page);

  app.get<{ Params: { name: string } }>(`${CONSOLE_PATH}/assets/:name`, async (request, reply) => {
    void reply.headers(SECURITY_HEADERS);
    const asset = file(`assets/${request.params.name}`);
    if (!asset) return reply.status(404).type('text/plain; charset=utf-8').send('Not found.');
    return reply
      .header('cache-control', IMMUTABLE)
      .header('etag', asset.etag)
      .type(asset.type)
      .send(asset.body);
  });

  app.get(`${CONSOLE_PATH}/options`, async (_request, reply) =>
    reply
      .headers(SECURITY_HEADERS)
      .header('cache-control', 'no-store')
      .send({
        devSignIn: options.devSignIn !== undefined,
      }),
  );

  const dev = options.devSignIn;
  if (dev) {
    app.post<{ Body: { role?: unknown; subject?: unknown } }>(
      `${CONSOLE_PATH}/dev-token`,
      async (request, reply) => {
        void reply.headers(SECURITY_HEADERS).header('cache-control', 'no-store');
        const { role, subject } = request.body ?? {};
        if (!isRole(role) || typeof subject !== 'string' || !SUBJECT.test(subject)) {
          return reply.status(400).send({
            error: {
              code: 'BAD_REQUEST',
              message: 'role (a Role) and subject (1–64 of A-Z a-z 0-9 _ . : -)',
            },
          });
        }
        const token = await signDevelopmentToken({
          ...dev,
          role,
          subject,
          expiresIn: DEV_TOKEN_TTL,
        });
        request.log.info({ role, subject }, 'development console token minted');
        return reply.send({ token });
      },
    );
  }
}

function loadFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(path.join(dir, 'index.html'))) return files;
  const names = ['index.html', ...readdirSync(path.join(dir, 'assets')).map((name) => `assets/${name}`)];
  for (const name of names) {
    const body = readFileSync(path.join(dir, name));
    const type = CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream';
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    files.set(name, { body, type, etag });
  }
  return files;
}

/** `dist/console` beside this project's package.json, from `src/` (vitest) and `dist/src/` alike. */
function defaultAssetsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'dist', 'console');
}
