/**
 * `node src/cli/run.ts <entry> [args…]`: runs `dist/<entry>` after making sure dist/ matches the
 * sources, in this process (no second Node start-up), with Node's compile cache on.
 * `node src/cli/run.ts --build`: only the build step.
 *
 * The build (tsc, several seconds) runs only when the sources changed since the last one: a
 * fingerprint of every input's path, size and modification time is kept in dist/. So a start with
 * unchanged sources skips it, and `npm test` (which builds first) never runs a stale dist/.
 *
 * Plain TypeScript with node: imports only: Node runs it as is (type stripping), before anything is
 * compiled; so the build leaves it out (tsconfig.build.json). The npm scripts set NODE_COMPILE_CACHE,
 * so even this file's stripping and compiling are cached.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * What tsconfig.build.json compiles; `src/` also holds the pages esbuild bundles (the back office,
 * the explorer).
 */
const SOURCE_DIRS = ['src', 'migrations', 'reconciliation', 'bench'];
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
/** The build, in order: TypeScript, then the bundles made by compiled scripts. */
const BUILD_STEPS: readonly (readonly string[])[] = [
  ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
  ['dist/src/cli/build-console.js'],
  ['dist/src/cli/build-explorer.js'],
  ['dist/src/cli/build-server.js'],
];
const FINGERPRINT_FILE = '.sources-fingerprint';

/** A digest of every build input's path, size and mtime: any edit, addition or removal changes it. */
export function sourcesFingerprint(root: string): string {
  const entries: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) entries.push(describe(full));
    }
  };
  const describe = (file: string): string => {
    const stat = statSync(file);
    return `${path.relative(root, file)}\t${stat.size}\t${stat.mtimeMs}`;
  };
  for (const dir of SOURCE_DIRS) walk(path.join(root, dir));
  for (const file of CONFIG_FILES)
    if (existsSync(path.join(root, file))) entries.push(describe(path.join(root, file)));
  return createHash('sha256').update(entries.sort().join('\n')).digest('hex');
}

export function isBuildCurrent(root: string): boolean {
  const stored = path.join(root, 'dist', FINGERPRINT_FILE);
  return existsSync(stored) && readFileSync(stored, 'utf8') === sourcesFingerprint(root);
}

/** Compiled files whose source is gone (renamed or deleted modules) would still import: remove them. */
export function removeOrphanedOutputs(root: string): void {
  const dist = path.join(root, 'dist');
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(js|js\.map|d\.ts)$/.test(entry.name)) {
        const source = path.join(root, path.relative(dist, full)).replace(/\.(js|js\.map|d\.ts)$/, '.ts');
        if (!existsSync(source)) rmSync(full);
      }
    }
  };
  for (const dir of SOURCE_DIRS) walk(path.join(dist, dir));
}

/** Builds when the sources changed; returns false (the failing step printed why) when the build failed. */
export function buildIfStale(root: string): boolean {
  if (isBuildCurrent(root)) return true;
  const fingerprint = sourcesFingerprint(root);
  process.stderr.write('Building (sources changed since the last build)…\n');
  for (const [script, ...args] of BUILD_STEPS) {
    const result = spawnSync(process.execPath, [path.join(root, script!), ...args], {
      cwd: root,
      stdio: 'inherit',
    });
    if (result.status !== 0) return false;
    if (script === BUILD_STEPS[0]![0]) removeOrphanedOutputs(root);
  }
  writeFileSync(path.join(root, 'dist', FINGERPRINT_FILE), fingerprint);
  return true;
}

async function main(): Promise<void> {
  const root = path.resolve(import.meta.dirname, '..', '..');
  const [entry, ...args] = process.argv.slice(2);
  if (entry === undefined) {
    process.stderr.write('usage: node src/cli/run.ts --build | <entry under dist/> [args…]\n');
    process.exit(2);
  }
  if (!buildIfStale(root)) process.exit(1);
  if (entry === '--build') return;
  enableCompileCache(path.join(root, 'node_modules', '.cache', 'node-compile-cache'));
  const script = path.join(root, 'dist', entry);
  // The entry sees the command line it would see when run directly: `node dist/<entry> args…`.
  process.argv = [process.argv[0]!, script, ...args];
  await import(pathToFileURL(script).href);
}

if (import.meta.main) await main();
