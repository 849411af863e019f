/**
 * What must hold once a seed has settled, checked against the database and against the simulators'
 * own books (what the providers actually paid out), never against what the service believes.
 */
import type { SimChannel } from './scenario.js';
import type { World } from './world.js';

export interface Violation {
  readonly invariant: string;
  readonly detail: string;
}

export interface SeedPayment {
  readonly id: string;
  readonly outTradeNo: string;
  readonly channel: SimChannel;
  readonly amountFen: bigint;
}

export interface CommandOutcome {
  readonly key: string;
  readonly paymentId: string;
  readonly amountFen: bigint;
  readonly refundId: string | null;
  readonly replayed: boolean;
  /** The refusal's code, or the text of an unexpected error. */
  readonly error: string | null;
}

interface RefundFacts {
  id: string;
  payment_id: string;
  status: string;
  settled_by: string | null;
  amount_minor: string;
  idempotency_key: string;
  approved: string;
  succeeded: string;
  released: string;
}

/** Codes a refund command may answer with under this load; anything else is a violation. */
const EXPECTED_REFUSALS = new Set([
  'REFUND_EXCEEDS_REMAINING',
  'IDEMPOTENCY_KEY_REUSED',
  'TOO_MANY_PARTIAL_REFUNDS',
]);

export async function checkInvariants(
  world: World,
  payments: readonly SeedPayment[],
  outcomes: readonly CommandOutcome[],
): Promise<Violation[]> {
  const violations: Violation[] = [];
  const fail = (invariant: string, detail: string) => violations.push({ invariant, detail });

  const unbalanced = await world.read<{ currency: string; d: string; c: string }>(
    `select currency, sum(debits_minor)::text as d, sum(credits_minor)::text as c from ledger_account
      group by currency having sum(debits_minor) <> sum(credits_minor)`,
  );
  for (const row of unbalanced) fail('trial balance', `${row.currency}: debits ${row.d} ≠ credits ${row.c}`);
  const drifted = await world.read<{ code: string; shard: number }>(
    `select a.code, a.shard from ledger_account a
       left join (select account_id, sum(amount_minor) filter (where direction = 'D') as d,
                         sum(amount_minor) filter (where direction = 'C') as c from posting group by account_id) p
         on p.account_id = a.id
      where a.debits_minor <> coalesce(p.d, 0) or a.credits_minor <> coalesce(p.c, 0)`,
  );
  for (const row of drifted) fail('cached totals = postings', `${row.code} (shard ${row.shard})`);
  const inFlight = await world.read<{ code: string; balance: string }>(
    `select code, sum(credits_minor - debits_minor)::text as balance from ledger_account
      where code like 'refunds:%:in_flight' group by code having sum(credits_minor - debits_minor) <> 0`,
  );
  for (const row of inFlight) fail('nothing in flight', `${row.code} holds ${row.balance}`);
  // Jobs still queued for settled refunds are no-ops (a submission claims only PENDING refunds, a poll
  // acts only on open ones): what must not be left is an open refund, checked while settling.
  const refunds = await world.read<RefundFacts>(
    `select r.id, r.payment_id, r.status, r.settled_by, r.amount_minor::text, r.idempotency_key,
            coalesce(sum(p.amount_minor) filter (where e.kind = 'REFUND_APPROVED' and p.direction = 'D'), 0)::text as approved,
            coalesce(sum(p.amount_minor) filter (where e.kind = 'REFUND_SUCCEEDED' and p.direction = 'D'), 0)::text as succeeded,
            coalesce(sum(p.amount_minor) filter (where e.kind = 'REFUND_RELEASED' and p.direction = 'D'), 0)::text as released
       from refund r
       left join journal_entry e on e.reference_type = 'refund' and e.reference_id = r.id
       left join posting p on p.entry_id = e.id
      group by r.id order by r.id`,
  );
  checkLedgerEffects(refunds, fail);
  checkProviderBooks(world, payments, refunds, fail);
  await checkPayments(world, payments, refunds, fail);
  checkCommands(outcomes, refunds, fail);
  checkNotifies(world, fail);
  return violations;
}

/** Notifies the api acknowledged, per provider (counted once per notify, however often it was sent). */
export function acceptedNotifies(world: World): Record<SimChannel, number> {
  return {
    WECHAT_PAY: world.wechat.sim.notifyDeliveries().filter((d) => d.state === 'acknowledged').length,
    ALIPAY: world.alipay.sim.notifies().filter((d) => d.acknowledged).length,
  };
}

/**
 * A genuine notify (signed with the provider's key, on time) is never refused as unauthentic: the api
 * may only put it off (503/500 while the database is unavailable), and the provider sends it again.
 */
function checkNotifies(world: World, fail: (i: string, d: string) => void): void {
  const GENUINE = new Set(['normal', 'duplicate', 'replay']);
  for (const delivery of world.wechat.sim.notifyDeliveries())
    for (const attempt of delivery.attempts)
      if (
        GENUINE.has(attempt.variant) &&
        attempt.status !== null &&
        attempt.status >= 400 &&
        attempt.status < 500
      )
        fail('genuine notifies are accepted', `WeChat ${delivery.notifyId} answered ${attempt.status}`);
  for (const delivery of world.alipay.sim.notifies())
    for (const attempt of delivery.attempts)
      if (
        !attempt.forged &&
        attempt.httpStatus !== null &&
        attempt.httpStatus >= 400 &&
        attempt.httpStatus < 500
      )
        fail(
          'genuine notifies are accepted',
          `Alipay ${delivery.notifyId} (notify_time ${attempt.notifyTime}) answered ${attempt.httpStatus}`,
        );
}

/** Each refund approved once; SUCCEEDED settled once; FAILED and CLOSED released once; nothing else. */
function checkLedgerEffects(refunds: readonly RefundFacts[], fail: (i: string, d: string) => void): void {
  for (const r of refunds) {
    const expect = {
      approved: r.amount_minor,
      succeeded: r.status === 'SUCCEEDED' ? r.amount_minor : '0',
      released: r.status === 'FAILED' || r.status === 'CLOSED' ? r.amount_minor : '0',
    };
    for (const kind of ['approved', 'succeeded', 'released'] as const)
      if (r[kind] !== expect[kind])
        fail(
          'ledger effects match refund states',
          `${r.id} ${r.status}: ${kind} ${r[kind]}, expected ${expect[kind]}`,
        );
  }
}

/**
 * Exactly one provider-side payout per SUCCEEDED (by the provider) refund, none for any other, none
 * the service does not know of; and a refund FAILED only when the provider never saw it.
 */
function checkProviderBooks(
  world: World,
  payments: readonly SeedPayment[],
  refunds: readonly RefundFacts[],
  fail: (i: string, d: string) => void,
): void {
  const wechat = world.wechat.sim;
  const alipay = world.alipay.sim;
  const channelOf = new Map(payments.map((p) => [p.id, p.channel]));
  const known = new Set(refunds.map((r) => r.id));
  for (const r of refunds) {
    const wechatRefund = channelOf.get(r.payment_id) === 'WECHAT_PAY';
    const seen = wechatRefund
      ? wechat.getRefund(r.id) !== undefined
      : alipay.refunds().some((x) => x.outRequestNo === r.id);
    const paid = wechatRefund
      ? wechat.getRefund(r.id)?.status === 'SUCCESS'
        ? wechat.refundsCreated(r.id)
        : 0
      : alipay.fundMovements(r.id);
    const expected = r.status === 'SUCCEEDED' && r.settled_by === 'PROVIDER' ? 1 : 0;
    if (paid !== expected)
      fail(
        'one provider refund per SUCCEEDED refund',
        `${r.id} ${r.status}/${r.settled_by ?? '-'}: paid out ${paid} times by the provider`,
      );
    if (r.status === 'FAILED' && seen)
      fail('no unknown outcome marked FAILED', `${r.id} FAILED but the provider has it`);
  }
  const foreign = [
    ...wechat
      .listRefunds()
      .filter((x) => x.status === 'SUCCESS')
      .map((x) => x.outRefundNo),
    ...alipay
      .refunds()
      .filter((x) => x.fundMovements > 0)
      .map((x) => x.outRequestNo),
  ].filter((id) => !known.has(id));
  for (const id of foreign)
    fail('one provider refund per SUCCEEDED refund', `the provider paid out ${id}, which no refund has`);
}

/** Non-failed refunds fit in the payment, and the payment's reservation says so. */
async function checkPayments(
  world: World,
  payments: readonly SeedPayment[],
  refunds: readonly RefundFacts[],
  fail: (i: string, d: string) => void,
): Promise<void> {
  const rows = await world.read<{ id: string; reserved_minor: string; refunded_minor: string }>(
    `select id, reserved_minor::text, refunded_minor::text from payment`,
  );
  for (const payment of payments) {
    const mine = refunds.filter((r) => r.payment_id === payment.id);
    const live = mine.filter((r) => r.status !== 'FAILED' && r.status !== 'CLOSED');
    const reserved = live.reduce((sum, r) => sum + BigInt(r.amount_minor), 0n);
    if (reserved > payment.amountFen)
      fail('non-failed refunds ≤ payment', `${payment.id}: ${reserved} refunded of ${payment.amountFen}`);
    const row = rows.find((p) => p.id === payment.id);
    if (row?.reserved_minor !== String(reserved))
      fail(
        'non-failed refunds ≤ payment',
        `${payment.id}: reserved ${row?.reserved_minor}, refunds sum to ${reserved}`,
      );
  }
}

/** One refund per key; a replay answers the key's refund; refusals are the expected ones. */
function checkCommands(
  outcomes: readonly CommandOutcome[],
  refunds: readonly RefundFacts[],
  fail: (i: string, d: string) => void,
): void {
  const byKey = new Map<string, RefundFacts[]>();
  for (const r of refunds) byKey.set(r.idempotency_key, [...(byKey.get(r.idempotency_key) ?? []), r]);
  for (const [key, rows] of byKey)
    if (rows.length > 1) fail('one refund per idempotency key', `${key}: ${rows.length} refunds`);
  for (const o of outcomes) {
    if (o.error !== null) {
      if (!EXPECTED_REFUSALS.has(o.error)) fail('commands answer with a code', `${o.key}: ${o.error}`);
      continue;
    }
    const row = byKey.get(o.key)?.[0];
    if (row?.id !== o.refundId)
      fail('one refund per idempotency key', `${o.key} answered ${o.refundId}, the key has ${row?.id}`);
    else if (BigInt(row.amount_minor) !== o.amountFen)
      fail(
        'one refund per idempotency key',
        `${o.key} for ${o.amountFen} answered with a refund of ${row.amount_minor}`,
      );
  }
}
