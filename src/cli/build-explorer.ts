import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/**
 * Builds the development GraphQL explorer (`src/explorer/`: GraphiQL and React, bundled from the installed
 * packages, nothing from a CDN) into `dist/explorer`: one script and one stylesheet with content-hashed
 * names, and `manifest.json` naming them for the server (`src/http/explorer.ts`), which renders the page
 * itself because the page carries a freshly signed development token. Part of `npm run build`.
 */
async function main(): Promise<void> {
  const root = process.cwd();
  const outDir = path.join(root, 'dist', 'explorer');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(path.join(outDir, 'assets'), { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['src/explorer/main.ts'],
    bundle: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    minify: true,
    outdir: path.join(outDir, 'assets'),
    entryNames: 'explorer-[hash]',
    assetNames: '[name]-[hash]',
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.svg': 'file', '.png': 'file' },
    metafile: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = Object.entries(result.metafile.outputs);
  const script = outputs.find(([, o]) => o.entryPoint !== undefined && o.cssBundle !== undefined);
  if (!script?.[1].cssBundle) throw new Error('esbuild produced no explorer script with a stylesheet');
  const manifest = { script: path.basename(script[0]), stylesheet: path.basename(script[1].cssBundle) };
  writeFileSync(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest)}\n`);
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  process.stdout.write(
    `explorer: ${outputs.map(([file, o]) => `${path.basename(file)} ${kib(o.bytes)}`).join(', ')}\n`,
  );
}

await main();
