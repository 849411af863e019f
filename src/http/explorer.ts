import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../logging/index.js';

/** Where the bundled assets are served from. */
const ASSETS_PATH = '/explorer/assets';

/** GraphiQL needs inline styles (its editors size themselves); scripts only from this origin. */
const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface ExplorerOptions {
  /** Directory with the built explorer (`manifest.json`, `assets/`); undefined: this project's `dist/explorer`. */
  readonly assetsDir?: string | undefined;
  /** A development token to fill in, signed per page load. */
  readonly token: () => Promise<string>;
  readonly logger: Logger;
}

/**
 * The development GraphQL explorer: a browser asking for `/graphql` (Accept: text/html, no query) gets
 * GraphiQL, bundled at build time from the installed packages (`src/cli/build-explorer.ts`), so it works
 * where no CDN is reachable. Never registered in production.
 */
export function registerExplorer(app: FastifyInstance, options: ExplorerOptions): void {
  const dir = options.assetsDir ?? defaultAssetsDir();
  const manifestFile = path.join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    options.logger.warn({ dir }, 'GraphQL explorer not built (npm run build): /graphql serves no page');
    return;
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { script: string; stylesheet: string };
  // Read and hashed on the first request (about 1.6 MB), not by every start.
  let assets: ReadonlyMap<string, { body: Buffer; type: string; etag: string }> | undefined;
  const loadAssets = () =>
    new Map(
      readdirSync(path.join(dir, 'assets')).map((name) => {
        const body = readFileSync(path.join(dir, 'assets', name));
        const type = CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream';
        return [name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url')}"` }];
      }),
    );

  app.get(`${ASSETS_PATH}/:name`, async (request: FastifyRequest<{ Params: { name: string } }>, reply) => {
    const asset = (assets ??= loadAssets()).get(request.params.name);
    if (!asset) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'No such asset' } });
    return reply
      .header('content-type', asset.type)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('etag', asset.etag)
      .header('x-content-type-options', 'nosniff')
      .send(asset.body);
  });

  const page = async (reply: FastifyReply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', EXPLORER_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(explorerHtml(manifest, await options.token()));

  // Browsers open /graphql itself; GraphQL clients (JSON, or a GET with a query) go on to Apollo.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' || request.url.split('?')[0] !== '/graphql') return;
    if (!String(request.headers.accept ?? '').includes('text/html')) return;
    if (new URLSearchParams(request.url.split('?')[1] ?? '').has('query')) return;
    await page(reply);
    return reply;
  });
}

function explorerHtml(manifest: { script: string; stylesheet: string }, token: string): string {
  const attribute = (value: string) =>
    value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="no-referrer">
    <title>takeout-refunds · GraphQL explorer</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="${ASSETS_PATH}/${attribute(manifest.stylesheet)}">
    <script type="module" src="${ASSETS_PATH}/${attribute(manifest.script)}"></script>
  </head>
  <body>
    <div id="explorer" data-endpoint="/graphql" data-token="${attribute(token)}"></div>
    <noscript>The GraphQL explorer needs JavaScript; any GraphQL client works against POST /graphql.</noscript>
  </body>
</html>
`;
}

/** `dist/explorer` of this project, whether this module runs compiled (dist/) or from src/ (tests). */
function defaultAssetsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'dist', 'explorer');
}
