import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config/index.js';
import { isBuildCurrent, removeOrphanedOutputs, sourcesFingerprint } from '../../src/cli/run.js';

const project = mkdtempSync(path.join(tmpdir(), 'launcher-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

function write(file: string, text: string): void {
  mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
  writeFileSync(path.join(project, file), text);
}

/** The launcher (src/cli/run.ts) decides whether `npm start`, `npm test` and the CLIs compile first. */
describe('the build check', () => {
  it('sees every edit, addition and removal of a source, so no run uses a stale dist/', () => {
    write('src/a.ts', 'export const a = 1;\n');
    write('tsconfig.json', '{}');
    const initial = sourcesFingerprint(project);
    expect(sourcesFingerprint(project)).toBe(initial);

    write('dist/.sources-fingerprint', initial);
    expect(isBuildCurrent(project)).toBe(true);

    write('src/a.ts', 'export const a = 2;\n'); // same size: only the mtime tells
    utimesSync(path.join(project, 'src/a.ts'), new Date(), new Date(Date.now() + 5_000));
    const edited = sourcesFingerprint(project);
    expect(edited).not.toBe(initial);
    expect(isBuildCurrent(project)).toBe(false);

    write('src/sql/f.sql', 'select 1;\n');
    const added = sourcesFingerprint(project);
    expect(added).not.toBe(edited);
    rmSync(path.join(project, 'src/sql/f.sql'));
    expect(sourcesFingerprint(project)).toBe(edited);

    write('tsconfig.json', '{"compilerOptions":{}}');
    expect(sourcesFingerprint(project)).not.toBe(edited);
  });

  it('removes compiled files whose source is gone', () => {
    write('src/kept.ts', '');
    write('dist/src/kept.js', '');
    write('dist/src/gone.js', '');
    write('dist/src/gone.js.map', '');
    removeOrphanedOutputs(project);
    expect(existsSync(path.join(project, 'dist/src/kept.js'))).toBe(true);
    expect(existsSync(path.join(project, 'dist/src/gone.js'))).toBe(false);
    expect(existsSync(path.join(project, 'dist/src/gone.js.map'))).toBe(false);
  });
});

describe('the npm start bundle', () => {
  it("loads the provider SDKs, the statement parsers and the bills' codecs on first use, not before the service is ready", () => {
    // Written by the build (src/cli/build-server.ts): the packages in the chunks a start loads.
    const packages = JSON.parse(readFileSync('dist/server/startup-packages.json', 'utf8')) as string[];
    expect(packages).toEqual(expect.arrayContaining(['fastify', 'graphql', 'type-graphql', 'pg-boss']));
    for (const lazy of ['alipay-sdk', 'wechatpay-node-v3', 'urllib', 'undici', 'superagent', 'crypto-js'])
      expect(packages).not.toContain(lazy);
    // The GBK codec and the compressor: the Alipay simulator's bills and the statement parsers load
    // them with the first bill, so the simulators' thread starts without them.
    for (const lazy of ['iconv-lite', 'fflate']) expect(packages).not.toContain(lazy);
  });
});

describe('npm run token', () => {
  const token = (...args: string[]) =>
    spawnSync(process.execPath, ['dist/src/cli/token.js', ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development' }, // as `npm run token` sets it
    });

  it('--help explains the options instead of printing a token', () => {
    const help = token('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--role .*CUSTOMER/);
    expect(help.stdout).toMatch(/--sub /);
    expect(help.stdout).not.toMatch(/eyJ/);
  });

  it('prints a token the service accepts, for the role and subject asked', async () => {
    const printed = token('--role', 'CUSTOMER', '--sub', 'c_1');
    expect(printed.status).toBe(0);
    const verifier = createTokenVerifier(loadConfig({ NODE_ENV: 'development' }).auth);
    expect(await verifier.verify(printed.stdout.trim())).toMatchObject({ subject: 'c_1', role: 'CUSTOMER' });
  });

  it('refuses an unknown option in one line', () => {
    const wrong = token('--rol', 'ADMIN');
    expect(wrong.status).toBe(2);
    expect(wrong.stderr.trim()).toBe('Unknown option --rol: see npm run token -- --help');
  });
});
