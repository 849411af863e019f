import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_JWT, type TestApp } from '../support/app.js';

/** `npm run reconcile` as finance runs it: a file, a summary table, an exit status that says what remains. */
const CLI = path.resolve('dist/reconciliation/recon.cli.js');
let t: TestApp;
const dir = mkdtempSync(path.join(tmpdir(), 'recon-cli-'));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      DATABASE_URL: t.databaseUrl,
      JWT_HS256_SECRET: TEST_JWT.secret,
      SIMULATORS: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  return { code, stdout, stderr };
}

beforeAll(async () => {
  expect(existsSync(CLI), 'run `npm run build` first (npm test does it)').toBe(true);
  t = await startTestApp({ role: 'api' });
}, 60_000);

afterAll(async () => t?.stop());

describe('npm run reconcile', () => {
  it('reconciles a supplied file, prints the summary table, exits 1 while discrepancies remain', async () => {
    const header =
      '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
    const row =
      '`2026-11-21 12:00:03,`wx1,`1900000100,`0,`,`4200002171202611216432215467,`UNKNOWN-1,`oU,`JSAPI,`SUCCESS,`OTHERS,`CNY,`88.00,`0.00,`0,`0,`0.00,`0.00,`,`,`x,`,`0.53000,`0.60%,`88.00,`0.00,`';
    const summary =
      '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
    const file = path.join(dir, 'bill.csv.gz');
    writeFileSync(
      file,
      gzipSync(
        Buffer.from(
          `\uFEFF${header}\r\n${row}\r\n${summary}\r\n\`1,\`88.00,\`0.00,\`0.00,\`0.53000,\`88.00,\`0.00\r\n`,
        ),
      ),
    );
    const first = await cli(['--provider', 'wechatpay', '--date', '2026-11-21', '--file', file]);
    expect(first.stderr).not.toContain('failed');
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('Reconciliation wechatpay 2026-11-21');
    expect(first.stdout).toMatch(/MISSING_IN_LEDGER\s+1\s+88\.00\s+1/);
    expect(first.stdout).toContain('1 unresolved discrepancies.');
  }, 60_000);

  it('usage errors and a corrupt file exit 2 with one clear line', async () => {
    expect((await cli(['--provider', 'paypal', '--date', '2026-11-21'])).code).toBe(2);
    const bad = path.join(dir, 'bad.csv.gz');
    writeFileSync(bad, Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    const corrupt = await cli(['--provider', 'wechatpay', '--date', '2026-11-21', '--file', bad]);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toContain('STATEMENT_CORRUPT');
  }, 60_000);
});
