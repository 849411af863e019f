import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/global-setup.js';

const MAIN = path.resolve('dist/src/main.js');
const dataDir = mkdtempSync(path.join(tmpdir(), 'refunds-proc-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  readonly child: ChildProcess;
  readonly url: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/**
 * `npm start` as a terminal runs it: its own process group (npm, the shell, node), which Ctrl-C
 * signals as a whole.
 */
function npmStart(env: Record<string, string>): Started {
  // A fresh machine: no NODE_ENV (npm start sets development when unset).
  const inherited = { ...process.env };
  delete inherited.NODE_ENV;
  const child = spawn('npm', ['start', '--silent'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...inherited,
      DATA_DIR: dataDir,
      PORT: '0',
      SIMULATOR_WECHATPAY_PORT: '0',
      SIMULATOR_ALIPAY_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no GraphQL URL printed:\n${out}`)), 60_000);
    child.stdout?.on('data', () => {
      const match = /GraphQL: (http:\/\/\S+)\/graphql/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then(({ code }) => reject(new Error(`exited early (${code}):\n${out}`)));
  });
  return { child, url, exited, output: () => out };
}

/** Lines a person would read as trouble: error/fatal log lines, uncaught errors, stack traces. */
function troubleIn(output: string): string[] {
  return output.split('\n').filter((line) => /"level":(50|60)|Unhandled|Uncaught|^\s+at |Error:/.test(line));
}

function postgresPids(): string[] {
  const found = spawnSync('pgrep', ['-f', `postgres -D ${path.join(dataDir, 'postgres')}`]);
  return found.stdout.toString().trim().split('\n').filter(Boolean);
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

/** The real process tree, as `npm start` runs it in a terminal: built output, embedded PostgreSQL, signals. */
describe('the service process', () => {
  const pgPort = freePort();

  it('stops cleanly on Ctrl-C to the whole process group, 20 times in a row', async () => {
    expect(existsSync(MAIN), 'run `npm run build` first (npm test does it)').toBe(true);
    const env = { EMBEDDED_PG_PORT: String(await pgPort) };
    for (let round = 1; round <= 20; round++) {
      const run = npmStart(env);
      const url = await run.url;
      if (round === 1) {
        expect((await fetch(`${url}/healthz`)).status).toBe(200);
        expect((await fetch(`${url}/readyz`)).status).toBe(200);
        expect(postgresPids().length).toBeGreaterThan(0);
      }
      // Different moments after ready: right away, while the workers' first polls are in flight, later.
      await new Promise((resolve) => setTimeout(resolve, (round * 53) % 400));
      process.kill(-run.child.pid!, 'SIGINT');
      const { code, signal } = await run.exited;
      const context = `round ${round}:\n${run.output()}`;
      // npm re-raises the signal it got once its script has exited; the app itself exits 0.
      expect(code === 0 || signal === 'SIGINT', context).toBe(true);
      expect(run.output(), context).toMatch(/"msg":"stopped"/);
      expect(troubleIn(run.output()), context).toEqual([]);
      expect(await waitFor(() => postgresPids().length === 0, 5_000), context).toBe(true);
    }
  }, 600_000);

  it('npm run demo tells the whole story against npm start, and says what it did', async () => {
    const ports = {
      PORT: String(await freePort()),
      SIMULATOR_WECHATPAY_PORT: String(await freePort()),
      SIMULATOR_ALIPAY_PORT: String(await freePort()),
    };
    const service = npmStart({ EMBEDDED_PG_PORT: String(await pgPort), ...ports });
    await service.url;
    try {
      // The demo reads the same settings as the service, so it finds the same ports.
      const demo = spawn('npm', ['run', '--silent', 'demo'], {
        env: { ...process.env, ...ports },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      demo.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      demo.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => demo.on('exit', resolve));
      expect(code, out).toBe(0);
      // Every operation is printed with its result, the refused one with its code.
      for (const operation of [
        'reportOrder',
        'reportCase',
        'requestRefund',
        'myNotifications',
        'trialBalance',
      ]) {
        expect(out).toContain(operation);
      }
      expect(out).toContain('"replayed": true');
      expect(out).toContain('"code": "REFUND_EXCEEDS_REMAINING"');
      expect(out).toContain('"refundStatus": "PARTIALLY_REFUNDED"');
      expect(out).toContain('✔ The whole story held');
    } finally {
      process.kill(-service.child.pid!, 'SIGINT');
      await service.exited;
    }
    expect(troubleIn(service.output()), service.output()).toEqual([]);
  }, 240_000);

  it("spawns PostgreSQL before loading the application, and says ready once the simulators' credentials are in", async () => {
    const run = npmStart({ EMBEDDED_PG_PORT: String(await pgPort), START_TIMELINE: 'true' });
    const url = await run.url;
    expect(await waitFor(() => /start timeline[^]*workers started/.test(run.output()), 10_000)).toBe(true);
    const steps = run
      .output()
      .slice(run.output().indexOf('start timeline'))
      .split('\n')
      .map((line) => /\+\s*\d+ {2}(.+)$/.exec(line)?.[1])
      .filter((step) => step !== undefined);
    const at = (step: string) => steps.indexOf(step);
    expect(at('PostgreSQL spawned'), steps.join('\n')).toBeGreaterThan(at('launcher loaded'));
    expect(at('PostgreSQL spawned'), steps.join('\n')).toBeLessThan(at('application loaded'));
    expect(at('simulators listening'), steps.join('\n')).toBeGreaterThan(at('ORM initialised (metadata)'));
    expect(at('simulators listening'), steps.join('\n')).toBeLessThan(at('ready'));
    // Refunds through the simulators right after ready: the demo's test below.
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    process.kill(-run.child.pid!, 'SIGINT');
    await run.exited;
    expect(await waitFor(() => postgresPids().length === 0, 5_000)).toBe(true);
  }, 60_000);

  it('leaves no PostgreSQL behind when the app is SIGKILLed', async () => {
    const run = npmStart({ EMBEDDED_PG_PORT: String(await pgPort) });
    await run.url;
    expect(postgresPids().length).toBeGreaterThan(0);
    process.kill(-run.child.pid!, 'SIGKILL');
    await run.exited;
    expect(await waitFor(() => postgresPids().length === 0, 10_000)).toBe(true);
  }, 120_000);

  it('says another instance runs on the same data, and how to run a second one', async () => {
    const first = npmStart({ EMBEDDED_PG_PORT: String(await pgPort) });
    await first.url;
    try {
      const second = runMain({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await pgPort), PORT: '0' });
      expect(second.status).toBe(1);
      expect(second.lines).toEqual([
        expect.stringMatching(/^Cannot start: Another instance is already running/),
      ]);
      expect(second.lines[0]).toMatch(/DATA_DIR=.* PORT=.* EMBEDDED_PG_PORT=/);
    } finally {
      process.kill(-first.child.pid!, 'SIGINT');
      await first.exited;
    }
  }, 120_000);

  it('says the embedded PostgreSQL port is in use, naming the setting', async () => {
    const busy = await listening();
    try {
      const port = (busy.address() as { port: number }).port;
      const result = runMain({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port), PORT: '0' });
      expect(result.status).toBe(1);
      expect(result.lines).toEqual([
        expect.stringMatching(
          new RegExp(`^Cannot start: .*127\\.0\\.0\\.1:${port}.*in use.*EMBEDDED_PG_PORT`),
        ),
      ]);
      expect(postgresPids()).toEqual([]);
    } finally {
      busy.close();
    }
  }, 60_000);

  it('says the HTTP port is in use, naming the setting', async () => {
    const busy = await listening();
    try {
      const port = (busy.address() as { port: number }).port;
      const result = runMain({
        DATA_DIR: dataDir,
        EMBEDDED_PG_PORT: String(await pgPort),
        PORT: String(port),
        SIMULATORS: 'false',
      });
      expect(result.status).toBe(1);
      expect(result.lines).toEqual([
        expect.stringMatching(new RegExp(`^Cannot start: .*:${port}.* in use.*PORT`)),
      ]);
      expect(await waitFor(() => postgresPids().length === 0, 5_000)).toBe(true);
    } finally {
      busy.close();
    }
  }, 60_000);

  it("says a simulator's port is in use, naming the setting, from npm start's simulators thread", async () => {
    const busy = await listening();
    try {
      const port = (busy.address() as { port: number }).port;
      const run = npmStart({ EMBEDDED_PG_PORT: String(await pgPort), SIMULATOR_ALIPAY_PORT: String(port) });
      run.url.catch(() => undefined); // it never gets there
      expect((await run.exited).code).toBe(1);
      const said = run
        .output()
        .split('\n')
        .filter((line) => line.startsWith('Cannot start:'));
      expect(said, run.output()).toEqual([
        expect.stringMatching(new RegExp(`127\\.0\\.0\\.1:${port}.* in use.*SIMULATOR_ALIPAY_PORT`)),
      ]);
      expect(await waitFor(() => postgresPids().length === 0, 5_000)).toBe(true);
    } finally {
      busy.close();
    }
  }, 60_000);

  it.each([
    [{ PORT: 'abc' }, 2, /^Invalid configuration: PORT \("abc"\): expected a port number from 0 to 65535$/],
    [
      { DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none' },
      1,
      /^Cannot start: Cannot connect to PostgreSQL at postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none: .*ECONNREFUSED.*DATABASE_URL/,
    ],
  ])('stops with one line for %j', (env, status, line) => {
    const result = runMain({ ...env, SIMULATORS: 'false' });
    expect(result.status).toBe(status);
    expect(result.lines).toEqual([expect.stringMatching(line)]);
    expect(result.lines.join('\n')).not.toContain('secret');
  });
});

/** The built service run directly, returning its exit status and what it printed besides info logs. */
function runMain(env: Record<string, string>): { status: number | null; lines: string[] } {
  const result = spawnSync(process.execPath, [MAIN, 'all'], {
    // NODE_ENV as `npm start` sets it when unset.
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', LOG_LEVEL: 'error', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const lines = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => line.trim() !== '');
  return { status: result.status, lines };
}

function listening(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
