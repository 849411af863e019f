/**
 * Runs the embedded PostgreSQL server on behalf of the app, outside the terminal's process group.
 *
 * Started by `startEmbeddedPostgres` in a session of its own (so a terminal's Ctrl-C, which signals
 * the whole foreground process group, never reaches PostgreSQL before the app has closed its
 * connections), with a pipe from the app as stdin. When that pipe closes — the app asked for the stop,
 * exited, crashed or was SIGKILLed — it fast-stops PostgreSQL (SIGINT) and exits with it, so the
 * server is never orphaned. PostgreSQL's log goes to stderr, which the app reads.
 *
 * Plain TypeScript with node: imports only, so Node runs it from `src/` (tests) or `dist/` alike.
 * argv[2] is a JSON `SupervisorRequest`.
 */
import { spawn } from 'node:child_process';

export interface SupervisorRequest {
  readonly postgres: string;
  readonly args: readonly string[];
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
}

const request = JSON.parse(process.argv[2] ?? '{}') as SupervisorRequest;
const server = spawn(request.postgres, [...request.args], {
  stdio: ['ignore', 'inherit', 'inherit'],
  // PostgreSQL's "ready to accept connections" line is read by the app: keep its messages in English.
  env: { ...process.env, LC_MESSAGES: 'C' },
  ...(request.uid === undefined ? {} : { uid: request.uid, gid: request.gid }),
});

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  server.kill('SIGINT'); // fast shutdown: open sessions are ended, nothing is lost
};

// Only the app decides when PostgreSQL stops; a stray signal to this session stops it cleanly.
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('SIGHUP', stop);
process.stdin.on('data', () => undefined);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);

server.on('error', (error) => {
  process.stderr.write(`FATAL:  cannot run ${request.postgres}: ${error.message}\n`);
  process.exit(1);
});
server.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
