/**
 * The app's roles as their own processes, as production runs them (`node dist/src/main.js api|worker`),
 * for benchmarks that measure them from outside.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface RoleProcess {
  readonly role: 'api' | 'worker';
  readonly child: ChildProcess;
  /** The api's base URL; empty for the worker. */
  readonly url: string;
}

/**
 * `node dist/src/main.js <role>`, as production runs it; resolves once it logs that it is ready. With
 * `PROFILE_DIR=dir` in the benchmark's environment, the process writes a CPU profile there when it stops
 * (`node --cpu-prof`). With `BENCH_MAIN=path/to/dist/src/main.js`, another build's (a baseline checkout).
 */
export async function startRoleProcess(
  role: 'api' | 'worker',
  env: Record<string, string>,
): Promise<RoleProcess> {
  // BENCH_MAIN=<another checkout>/dist/src/main.js runs that build's role instead (A/B under one harness).
  const override = process.env['BENCH_MAIN'];
  const main = override ? new URL(`file://${override}`) : new URL('../src/main.js', import.meta.url);
  const { child, url } = await startNodeProcess(role, main, [role], env);
  return { role, child, url };
}

/**
 * `node <script> …args` with `env` (and LOG_LEVEL=info, as the api runs in the benchmarks), its stdout
 * read until it logs `"msg":"ready"` (with the GraphQL URL, if it serves one), then drained. With
 * `PROFILE_DIR`, a CPU profile is written there when it stops.
 */
export function startNodeProcess(
  label: string,
  script: URL,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const profileDir = process.env['PROFILE_DIR'];
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, fileURLToPath(script), ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${label} did not start:\n${out}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-4_000);
      const ready = out.split('\n').find((text) => text.includes('"msg":"ready"'));
      if (ready === undefined) return;
      clearTimeout(timer);
      child.stdout?.removeAllListeners('data');
      child.stdout?.resume();
      const graphql = (JSON.parse(ready) as { graphql?: string }).graphql;
      resolve({ child, url: graphql?.replace(/\/graphql$/, '') ?? '' });
    });
    child.once('exit', (code) => reject(new Error(`${label} exited (${code}):\n${out}`)));
  });
}

export async function stopProcess(p: Pick<RoleProcess, 'child'>): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = new Promise((resolve) => p.child.once('exit', resolve));
  p.child.kill('SIGTERM');
  await exited;
}
