import { signDevelopmentToken, type Role } from '../auth/index.js';
import { ConfigError, loadConfig, type AppConfig } from '../config/index.js';

/**
 * `npm run demo`: the whole story against a running `npm start` (same settings, so the same ports),
 * printing every GraphQL operation and its result. The order system reports two orders; the customer
 * pays them at the WeChat Pay and Alipay simulators and reports a case; support refunds (one request replayed, one refused
 * for exceeding what is left); the refunds settle; the customer reads the notification and the order's
 * status; support decides the case, the merchant appeals and a second agent overturns it; finance checks
 * the ledger's trial balance and the accounts the refunds moved, and reconciles yesterday's bill.
 *
 * Every step also checks what it shows, and the script exits non-zero when the story does not hold,
 * so it doubles as an end-to-end test (test/demo.test.ts runs it against a real `npm start`).
 */

const SETTLE_TIMEOUT_MS = 60_000;

class DemoFailure extends Error {
  override readonly name = 'DemoFailure';
}

interface Endpoints {
  readonly api: string;
  readonly wechatpay: string;
  readonly alipay: string;
}

interface GraphQLResult<T> {
  readonly data?: T | null;
  readonly errors?: readonly { message: string; extensions?: { code?: string } }[];
}

type Caller = { readonly role: `${Role}`; readonly sub: string };

const color = process.stdout.isTTY
  ? { dim: (s: string) => `\x1b[2m${s}\x1b[0m`, bold: (s: string) => `\x1b[1m${s}\x1b[0m` }
  : { dim: (s: string) => s, bold: (s: string) => s };

function say(text = ''): void {
  process.stdout.write(`${text}\n`);
}

function step(title: string): void {
  say();
  say(color.bold(`▶ ${title}`));
}

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new DemoFailure(what);
}

/** The endpoints `npm start` uses with these settings (the demo reads the same environment). */
function endpoints(config: AppConfig): Endpoints {
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
  const api = process.env['DEMO_API_URL'] ?? `http://${host}:${config.http.port}`;
  return {
    api,
    wechatpay: `http://127.0.0.1:${config.simulators.wechatpayPort}`,
    alipay: `http://127.0.0.1:${config.simulators.alipayPort}`,
  };
}

function createClient(config: AppConfig, urls: Endpoints) {
  const tokens = new Map<string, string>();
  const tokenFor = async (caller: Caller): Promise<string> => {
    const key = `${caller.role}:${caller.sub}`;
    const cached = tokens.get(key);
    if (cached) return cached;
    const token = await signDevelopmentToken({
      secret: config.auth.hs256Secret!,
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      subject: caller.sub,
      role: caller.role as Role,
      expiresIn: '1h',
    });
    tokens.set(key, token);
    return token;
  };

  /** One GraphQL operation, printed with its variables and its result. */
  const gql = async <T>(
    caller: Caller,
    query: string,
    variables: Record<string, unknown> = {},
    options: { quiet?: boolean } = {},
  ): Promise<GraphQLResult<T>> => {
    const response = await fetch(`${urls.api}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor(caller)}` },
      body: JSON.stringify({ query, variables }),
    });
    const result = (await response.json()) as GraphQLResult<T>;
    if (!options.quiet) {
      say(color.dim(`  as ${caller.role} ${caller.sub}:`));
      say(indent(query.trim(), 4));
      if (Object.keys(variables).length > 0) say(indent(`variables: ${JSON.stringify(variables)}`, 4));
      say(indent(`→ ${JSON.stringify(result, null, 2)}`, 4));
    }
    return result;
  };

  /** A simulator's control API: what a customer's wallet app would do at the provider. */
  const control = async <T>(base: string, path: string, body: unknown, method = 'POST'): Promise<T> => {
    say(color.dim(`  ${method} ${base}/__control${path}`));
    say(indent(JSON.stringify(body), 4));
    const response = await fetch(`${base}/__control${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const result = (response.status === 204 ? null : await response.json()) as T;
    say(indent(`→ ${response.status} ${JSON.stringify(result).slice(0, 300)}`, 4));
    check(response.ok, `the simulator refused ${path}: ${JSON.stringify(result)}`);
    return result;
  };

  return { gql, control };
}

function indent(text: string, spaces: number): string {
  return text
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');
}

async function waitUntil<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    check(Date.now() < deadline, `timed out after ${SETTLE_TIMEOUT_MS / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function serviceReady(urls: Endpoints): Promise<void> {
  const ready = await fetch(`${urls.api}/readyz`).then(
    (response) => response.ok,
    () => false,
  );
  if (!ready) {
    throw new ConfigError(
      `No service answers at ${urls.api}: start it first with "npm start" in another terminal ` +
        '(with the same PORT and SIMULATOR_* settings as this demo).',
    );
  }
}

const ORDER_SYSTEM: Caller = { role: 'SERVICE', sub: 'order-system' };
const SUPPORT: Caller = { role: 'SUPPORT', sub: 'agent_1' };
const FINANCE: Caller = { role: 'FINANCE', sub: 'finance_1' };

const REPORT_ORDER = `
mutation Report($input: ReportOrderInput!) {
  reportOrder(input: $input) { id refundStatus total { amount currency } }
}`;
const ORDER = `
query Order($id: ID!) {
  order(id: $id) {
    id deliveryStatus refundStatus
    payments { id channel outTradeNo amount { amount } refunded { amount } refundable { amount } }
  }
}`;
const REQUEST_REFUND = `
mutation Refund($input: RequestRefundInput!) {
  requestRefund(input: $input) { replayed refund { id status amount { amount currency } liableParty } }
}`;
const REFUND = `query Refund($id: ID!) { refund(id: $id) { id status settledBy } }`;

type OrderView = {
  order: {
    refundStatus: string;
    payments: { id: string; refunded: { amount: string }; refundable: { amount: string } }[];
  } | null;
};
type RefundPayload = { requestRefund: { replayed: boolean; refund: { id: string; status: string } } };

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  check(config.auth.hs256Secret !== undefined, 'the demo signs development tokens: set JWT_HS256_SECRET');
  const urls = endpoints(config);
  await serviceReady(urls);
  const { gql, control } = createClient(config, urls);
  // Fresh ids per run, so the demo can be run again and again against the same database.
  const run = Date.now().toString(36);
  const customer: Caller = { role: 'CUSTOMER', sub: `c_demo_${run}` };
  const merchantId = `m_demo_${run}`;
  const now = new Date().toISOString();

  say(color.bold(`takeout-refunds demo (run ${run}) against ${urls.api}`));
  say(`Customer ${customer.sub} orders twice from merchant ${merchantId}: soup paid with WeChat Pay,`);
  say('noodles with Alipay. The soup spills.');

  step('1. The order system reports both orders (SERVICE token)');
  const orders = {
    wechat: { id: `o_demo_${run}_wx`, outTradeNo: `T${run}WX`, total: '30.00', channel: 'WECHAT_PAY' },
    alipay: { id: `o_demo_${run}_ali`, outTradeNo: `T${run}ALI`, total: '45.50', channel: 'ALIPAY' },
  } as const;
  for (const order of Object.values(orders)) {
    const reported = await gql<{ reportOrder: { id: string } }>(ORDER_SYSTEM, REPORT_ORDER, {
      input: {
        id: order.id,
        customerId: customer.sub,
        merchantId,
        total: { amount: order.total, currency: 'CNY' },
        deliveryStatus: 'DELIVERED',
        statusChangedAt: now,
        paymentChannel: order.channel,
        outTradeNo: order.outTradeNo,
      },
    });
    check(reported.data?.reportOrder.id === order.id, `reportOrder ${order.id} failed`);
  }

  step('2. The customer pays at the simulators; their signed notifies record the payments');
  await control(urls.wechatpay, '/payments', {
    outTradeNo: orders.wechat.outTradeNo,
    amountFen: 3000,
    notifyUrl: `${urls.api}/notify/wechatpay`,
    sendNotify: true,
  });
  await control(urls.alipay, '/payments', {
    outTradeNo: orders.alipay.outTradeNo,
    amountFen: 4550,
    notifyUrl: `${urls.api}/notify/alipay`,
    sendNotify: true,
  });
  const paymentOf = async (orderId: string) =>
    waitUntil(`the payment of ${orderId}`, async () => {
      const view = await gql<OrderView>(SUPPORT, ORDER, { id: orderId }, { quiet: true });
      return view.data?.order?.payments[0]?.id;
    });
  const wechatPayment = await paymentOf(orders.wechat.id);
  const alipayPayment = await paymentOf(orders.alipay.id);
  await gql(SUPPORT, ORDER, { id: orders.wechat.id });

  step('3. The customer reports the spilled soup in the app: an after-sales case (their own token)');
  const reported = await gql<{ reportCase: { id: string; status: string } }>(
    customer,
    `mutation Case($input: ReportCaseInput!) {
  reportCase(input: $input) { id status type severity requestedRemedy requestedAmount { amount } }
}`,
    {
      input: {
        orderId: orders.wechat.id,
        type: 'DAMAGED',
        remedy: 'PARTIAL_REFUND',
        amount: { amount: '10.00', currency: 'CNY' },
        description: 'The soup spilled all over the bag.',
      },
    },
  );
  check(reported.data?.reportCase.id, 'the case was not opened');
  const caseId = reported.data.reportCase.id;

  step('4. Support reviews it and refunds 10.00 of the soup, liable: the merchant');
  const refundInput = {
    idempotencyKey: `demo-${run}-soup-spilled`,
    caseId,
    paymentId: wechatPayment,
    amount: { amount: '10.00', currency: 'CNY' },
    reason: 'soup spilled',
    liableParty: 'MERCHANT',
  };
  const first = await gql<RefundPayload>(SUPPORT, REQUEST_REFUND, { input: refundInput });
  check(first.data?.requestRefund.replayed === false, 'the first refund request was not created');
  const wechatRefund = first.data.requestRefund.refund.id;

  step('5. The same request again (a retry after a timeout): the same refund, replayed');
  const replay = await gql<RefundPayload>(SUPPORT, REQUEST_REFUND, { input: refundInput });
  check(replay.data?.requestRefund.replayed === true, 'the replayed request was not recognised');
  check(replay.data.requestRefund.refund.id === wechatRefund, 'the replay returned another refund');

  step('6. 25.00 more would exceed what is left (20.00): refused, nothing changes');
  const tooMuch = await gql<RefundPayload>(SUPPORT, REQUEST_REFUND, {
    input: {
      ...refundInput,
      idempotencyKey: `demo-${run}-too-much`,
      amount: { amount: '25.00', currency: 'CNY' },
    },
  });
  check(
    tooMuch.errors?.[0]?.extensions?.code === 'REFUND_EXCEEDS_REMAINING',
    'a refund above the remaining amount was not refused with REFUND_EXCEEDS_REMAINING',
  );

  step('7. And the noodles in full through Alipay, liable: the platform');
  const noodles = await gql<RefundPayload>(SUPPORT, REQUEST_REFUND, {
    input: {
      idempotencyKey: `demo-${run}-noodles-cold`,
      paymentId: alipayPayment,
      amount: { amount: '45.50', currency: 'CNY' },
      reason: 'noodles arrived cold',
      liableParty: 'PLATFORM',
    },
  });
  check(noodles.data?.requestRefund.refund.id, 'the Alipay refund was not created');
  const alipayRefund = noodles.data.requestRefund.refund.id;

  step('8. The worker submits both; the providers confirm (WeChat by notify, Alipay at once)');
  for (const id of [wechatRefund, alipayRefund]) {
    const settled = await waitUntil(`refund ${id} to settle`, async () => {
      const view = await gql<{ refund: { status: string } }>(SUPPORT, REFUND, { id }, { quiet: true });
      const status = view.data?.refund.status;
      return status === 'SUCCEEDED' || status === 'FAILED' || status === 'CLOSED' ? status : undefined;
    });
    check(settled === 'SUCCEEDED', `refund ${id} ended ${settled}`);
    await gql(
      customer,
      `query Events($id: ID!) { refundEvents(refundId: $id) { fromStatus toStatus source actorRole occurredAt } }`,
      { id },
    );
  }

  step("9. The customer's notifications (the customer's own token)");
  const notes = await gql<{ myNotifications: { edges: { node: { kind: string } }[] } }>(
    customer,
    `{ myNotifications(first: 5) { edges { node { kind title body } } } }`,
  );
  check(
    notes.data?.myNotifications.edges.filter((e) => e.node.kind === 'REFUND_SUCCEEDED').length === 2,
    'the customer was not notified of both refunds',
  );

  step("10. The orders' refund status, as the customer sees them");
  const soup = await gql<OrderView>(customer, ORDER, { id: orders.wechat.id });
  check(soup.data?.order?.refundStatus === 'PARTIALLY_REFUNDED', 'the soup order is not PARTIALLY_REFUNDED');
  const noodleOrder = await gql<OrderView>(customer, ORDER, { id: orders.alipay.id });
  check(noodleOrder.data?.order?.refundStatus === 'REFUNDED', 'the noodle order is not REFUNDED');

  step('11. Support decides the case: 10.00 more for the soup, liable: the merchant');
  const CASE_VIEW = `query Case($id: ID!) { case(id: $id) { id status outcome liableParty decisions { kind status refundId } } }`;
  type CaseView = { case: { status: string; outcome: string | null; liableParty: string | null } | null };
  const decided = await gql<{ decideCase: { case: { status: string } } }>(
    SUPPORT,
    `mutation Decide($input: DecideCaseInput!) { decideCase(input: $input) { case { id status } } }`,
    {
      input: {
        caseId,
        kind: 'PARTIAL_REFUND',
        amount: { amount: '10.00', currency: 'CNY' },
        liableParty: 'MERCHANT',
        note: 'The photo shows the lid was not closed at the shop.',
      },
    },
  );
  check(decided.data?.decideCase, 'the case decision was not taken');
  const resolved = await waitUntil('the case to resolve with its refund', async () => {
    const view = await gql<CaseView>(SUPPORT, CASE_VIEW, { id: caseId }, { quiet: true });
    return view.data?.case?.status === 'RESOLVED' ? view.data.case : undefined;
  });
  check(resolved.liableParty === 'MERCHANT', 'the case did not resolve with the merchant liable');
  await gql(SUPPORT, CASE_VIEW, { id: caseId });

  step('12. The merchant appeals; a second agent overturns it: the platform bears the cost');
  const merchant: Caller = { role: 'MERCHANT', sub: merchantId };
  const appeal = await gql<{ appealCase: { id: string; status: string } }>(
    merchant,
    `mutation Appeal($id: ID!) { appealCase(caseId: $id, statement: "The bag was sealed when the rider took it.") { id status } }`,
    { id: caseId },
  );
  check(appeal.data?.appealCase.status === 'PENDING', 'the appeal was not filed');
  const review = await gql<{ reviewAppeal: { status: string; ledgerEntryId: string | null } }>(
    { role: 'SUPPORT', sub: 'agent_2' },
    `mutation Review($id: ID!) { reviewAppeal(appealId: $id, overturn: true, newLiableParty: PLATFORM, note: "Seal photo checked.") { id status newLiableParty ledgerEntryId } }`,
    { id: appeal.data.appealCase.id },
  );
  check(review.data?.reviewAppeal.status === 'OVERTURNED', 'the appeal was not overturned');
  check(review.data.reviewAppeal.ledgerEntryId, 'overturning moved no cost in the ledger');
  const afterAppeal = await gql<CaseView>(SUPPORT, CASE_VIEW, { id: caseId });
  check(afterAppeal.data?.case?.liableParty === 'PLATFORM', 'the case does not show the platform liable');

  step("13. Finance: the ledger's trial balance and what the merchant now owes");
  const trial = await gql<{ trialBalance: { balanced: boolean }[] }>(
    FINANCE,
    `{ trialBalance { currency totalDebits { amount } totalCredits { amount } balanced } }`,
  );
  check(
    trial.data?.trialBalance.every((line) => line.balanced),
    'the trial balance is not balanced',
  );
  await gql(
    FINANCE,
    `query Accounts($owner: String!) { accounts(ownerId: $owner, first: 10) { edges { node { code type balance { amount currency } } } } }`,
    { owner: merchantId },
  );
  await gql(
    FINANCE,
    `query Entries($ref: String!) { journalEntries(referenceId: $ref, first: 5) { edges { node { kind referenceType postings { accountCode direction amount { amount } } } } } }`,
    { ref: wechatRefund },
  );

  step("14. Finance reconciles yesterday's WeChat Pay bill");
  const yesterday = new Date(Date.now() + 8 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
  say(
    color.dim(
      "  WeChat Pay issues a day's bill at 10:00 the next morning; the simulator issues yesterday's now:",
    ),
  );
  await control(
    urls.wechatpay,
    `/statements/${yesterday}/ready-at`,
    { at: new Date(0).toISOString() },
    'PUT',
  );
  const recon = await gql<{ runReconciliation: { status: string } }>(
    FINANCE,
    `mutation Reconcile($date: String!) { runReconciliation(provider: wechatpay, billDate: $date) {
  status run { id billDate status matchedCount categories { category count } }
} }`,
    { date: yesterday },
  );
  check(
    ['COMPLETED', 'EMPTY'].includes(recon.data?.runReconciliation.status ?? ''),
    "yesterday's bill was not reconciled",
  );

  say();
  say(
    color.bold(
      '✔ The whole story held: two payments, a case decided and appealed, three refund requests (one',
    ),
  );
  say(
    color.bold(
      '  replayed, one refused), three refunds settled, the customer notified, the ledger balanced,',
    ),
  );
  say(color.bold("  and yesterday's bill reconciled."));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else if (error instanceof DemoFailure)
    process.stderr.write(`\n✘ The demo's story broke: ${error.message}\n`);
  else
    process.stderr.write(`\n✘ ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
