import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startSimulators } from '../../src/simulators/index.js';

it('startSimulators starts the Alipay simulator next to WeChat Pay, keys under <dataDir>/alipay', async () => {
  const sims = await startSimulators({ dataDir: mkdtempSync(join(tmpdir(), 'sims-')), wechatpay: false });
  try {
    const alipay = sims.all['alipay'];
    expect(alipay?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${alipay?.url}/__control/clock`);
    expect(res.status).toBe(200);
  } finally {
    await sims.close();
  }
});
