import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder } from '../support/builders.js';
import { reportCase } from './cases.fixtures.js';

const HOUR = 3_600_000;

describe("a customer's claim figures (read-only query for risk flagging)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ simulators: true });
  }, 60_000);
  afterAll(async () => t.stop());

  it('counts claims, claims without evidence, fast and late claims over a window', async () => {
    const customerId = `c_fig_${Date.now()}`;
    const start = new Date(Date.now() - 1_000);
    const order = (deliveredHoursAgo: number | null) =>
      newPaidOrder(t, {
        channel: 'ALIPAY',
        amountFen: 2_000,
        customerId,
        ...(deliveredHoursAgo === null
          ? { deliveryStatus: 'DELIVERING', promisedAt: new Date(Date.now() - HOUR) }
          : { statusChangedAt: new Date(Date.now() - deliveredHoursAgo * HOUR) }),
      });
    const fast = await order(0.1);
    const late = await order(30);
    const undelivered = await order(null);
    const ids: string[] = [];
    for (const [o, type, evidence] of [
      [fast, 'DAMAGED', ['https://img.example.com/1.jpg']],
      [late, 'QUALITY', []],
      [undelivered, 'NOT_DELIVERED', []],
    ] as const) {
      const res = await reportCase(t, customerId, { orderId: o.orderId, type, evidence: [...evidence] });
      expect(res.errors).toBeUndefined();
      ids.push(res.data!.reportCase.id);
    }
    // Another customer's claim never counts.
    const stranger = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 1_000 });
    await reportCase(t, stranger.customerId, { orderId: stranger.orderId, evidence: [] });

    const figures = await t.app.services.caseFigures.claimFigures({
      customerId,
      from: start,
      to: new Date(Date.now() + 1_000),
      fastUnderSeconds: 30 * 60,
      lateAfterSeconds: 24 * 3_600,
    });
    expect(figures).toMatchObject({
      customerId,
      claims: 3,
      claimsWithoutEvidence: 2,
      claimsFast: 1,
      claimsLate: 1,
      caseIds: ids,
    });
    // Delays over the two delivered orders: about 6 minutes and 30 hours.
    expect(figures.claimDelaySeconds.max).toBeGreaterThanOrEqual(30 * 3_600);
    expect(figures.claimDelaySeconds.max).toBeLessThan(30 * 3_600 + 120);
    expect(figures.claimDelaySeconds.p50).toBeGreaterThan(6 * 60);

    const before = await t.app.services.caseFigures.claimFigures({
      customerId,
      from: new Date(0),
      to: start,
    });
    expect(before).toMatchObject({
      claims: 0,
      claimsWithoutEvidence: 0,
      claimsFast: 0,
      claimsLate: 0,
      caseIds: [],
      claimDelaySeconds: { p50: null, p90: null, max: null },
    });
  });
  it('a claim exactly at a bound is neither fast nor late: fast is < fastUnderSeconds, late > lateAfterSeconds', async () => {
    const customerId = `c_bound_${Date.now()}`;
    const order = await newPaidOrder(t, {
      channel: 'ALIPAY',
      amountFen: 2_000,
      customerId,
      statusChangedAt: new Date(Date.now() - 0.1 * HOUR),
    });
    const res = await reportCase(t, customerId, { orderId: order.orderId, type: 'DAMAGED', evidence: [] });
    expect(res.errors).toBeUndefined();
    const window = { customerId, from: new Date(0), to: new Date(Date.now() + 1_000) };
    const delay = (await t.app.services.caseFigures.claimFigures(window)).claimDelaySeconds.max!;
    expect(delay).toBeGreaterThanOrEqual(6 * 60);
    const count = async (fastUnderSeconds: number, lateAfterSeconds: number) => {
      const f = await t.app.services.caseFigures.claimFigures({
        ...window,
        fastUnderSeconds,
        lateAfterSeconds,
      });
      return [f.claimsFast, f.claimsLate];
    };
    expect(await count(delay, delay)).toEqual([0, 0]);
    expect(await count(delay + 1, delay - 1)).toEqual([1, 1]);
  });
});
