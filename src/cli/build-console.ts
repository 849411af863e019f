import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/**
 * Builds the back office's pages (`src/console/web/`) into `dist/console`: one script and one stylesheet, bundled with
 * their libraries (no CDN), names carrying a content hash so they can be cached forever, and an
 * `index.html` that only links them (the CSP allows no inline script or style). Part of `npm run build`.
 */
async function main(): Promise<void> {
  const root = process.cwd();
  const outDir = path.join(root, 'dist', 'console');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(path.join(outDir, 'assets'), { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['src/console/web/main.tsx'],
    bundle: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    outdir: path.join(outDir, 'assets'),
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = Object.entries(result.metafile.outputs);
  const script = outputs.find(([, o]) => o.entryPoint !== undefined && o.cssBundle !== undefined);
  if (!script?.[1].cssBundle) throw new Error('esbuild produced no script with a stylesheet');
  const asset = (file: string) => `/console/assets/${path.basename(file)}`;
  writeFileSync(path.join(outDir, 'index.html'), indexHtml(asset(script[0]), asset(script[1].cssBundle)));
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  const sizes = outputs
    .filter(([file]) => !file.endsWith('.map'))
    .map(([f, o]) => `${path.basename(f)} ${kib(o.bytes)}`);
  process.stdout.write(`console: ${sizes.join(', ')}\n`);
}

function indexHtml(script: string, stylesheet: string): string {
  return `<!doctype html>
<html lang="zh-CN">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="no-referrer">
    <title>售后与对账后台 · Back office</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="${stylesheet}">
    <script type="module" src="${script}"></script>
  </head>
  <body>
    <div id="app"></div>
    <noscript>此后台需要 JavaScript。This back office needs JavaScript.</noscript>
  </body>
</html>
`;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
