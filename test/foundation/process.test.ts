import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/global-setup.js';

const MAIN = path.resolve('dist/src/main.js');

/** The real process tree, as `npm start` runs it: built output, embedded PostgreSQL, signals. */
describe('the service process', () => {
  it('starts on embedded defaults, serves, and leaves no postgres behind after SIGINT', async () => {
    expect(existsSync(MAIN), 'run `npm run build` first (npm test does it)').toBe(true);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'refunds-proc-'));
    const child = spawn(process.execPath, [MAIN, 'all'], {
      env: {
        PATH: process.env.PATH ?? '',
        DATA_DIR: dataDir,
        PORT: '0',
        EMBEDDED_PG_PORT: String(await freePort()),
        LOG_LEVEL: 'info',
        SIMULATORS: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await waitForUrl(child);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(postgresPids(dataDir).length).toBeGreaterThan(0);

    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(postgresPids(dataDir)).toEqual([]);
  }, 60_000);

  it('stops with one line naming a bad setting', () => {
    let stderr = '';
    let status: number | null = null;
    try {
      execFileSync(process.execPath, [MAIN, 'api'], {
        env: { PATH: process.env.PATH ?? '', PORT: 'abc' },
        stdio: 'pipe',
      });
    } catch (error) {
      const failed = error as { status: number; stderr: Buffer };
      status = failed.status;
      stderr = failed.stderr.toString();
    }
    expect(status).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Invalid configuration: PORT \("abc"\)/),
    ]);
  });
});

function postgresPids(dataDir: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', `postgres -D ${dataDir}`])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no GraphQL URL printed:\n${out}`)), 45_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /GraphQL: (http:\/\/\S+)\/graphql/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`exited early (${code}):\n${out}`)));
  });
}
