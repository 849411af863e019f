/**
 * The load generator of bench/cases.ts (a worker thread): `reportCase` mutations over HTTP, each by the
 * order's own customer on a fresh paid order, with a claim the auto-review rule approves, so that each
 * call is a case opened, auto-decided and refunded through the refund command.
 */
import { parentPort } from 'node:worker_threads';
import { JsonConnection } from './http-connection.js';
import type { PartOutput } from './rounds.js';

export interface BenchOrder {
  readonly orderId: string;
  /** A CUSTOMER token of the order's customer. */
  readonly token: string;
}

export interface CasesLoadInput {
  readonly url: string;
  /** Orders not used yet; a client stops when none is left (the loop is bounded by them too). */
  readonly orders: readonly BenchOrder[];
  readonly clients: number;
  readonly seconds: number;
  /**
   * Take the orders round and round instead of stopping when none is left (for the api floor, which
   * answers without reading them: bench/api-floor.ts).
   */
  readonly cycle?: boolean;
}

export interface CasesLoadOutput extends PartOutput {
  /** Orders taken from `orders` (reported or failed). */
  readonly used: number;
  /** One refusal or unexpected answer, for the operator. */
  readonly sampleFailure: string | null;
}

/** Claims the default auto-review rule approves: MINOR, ≤ 50 CNY, evidence where the type needs it. */
const CLAIMS = [
  { type: 'DAMAGED', evidence: ['https://img.example.com/bench/spill.jpg'] },
  { type: 'MISSING_ITEM', evidence: [] },
  { type: 'QUALITY', evidence: ['https://img.example.com/bench/cold.jpg'] },
] as const;

/** The document every call sends (the api floor's too). */
export const REPORT_DOCUMENT = `mutation($input: ReportCaseInput!) { reportCase(input: $input) { id status autoDecided } }`;

/** The variables of the `n`th call: a claim the auto-review rule approves, on `orderId`. */
export function reportVariables(orderId: string, n: number): object {
  const claim = CLAIMS[n % CLAIMS.length]!;
  return {
    input: {
      orderId,
      type: claim.type,
      description: 'benchmark claim',
      evidence: claim.evidence,
      remedy: 'PARTIAL_REFUND',
      amount: { amount: '10.00', currency: 'CNY' },
    },
  };
}

async function run(input: CasesLoadInput): Promise<CasesLoadOutput> {
  // At the protocol level, one kept-alive socket per client, as the refund rounds' load generator.
  const connections = Array.from({ length: input.clients }, () => new JsonConnection(`${input.url}/graphql`));
  const latenciesMs: number[] = [];
  let failed = 0;
  let next = 0;
  let sampleFailure: string | null = null;
  const started = performance.now();
  const cpuBefore = process.threadCpuUsage();
  const deadline = started + input.seconds * 1000;
  const progress = setInterval(() => parentPort?.postMessage({ progress: latenciesMs.length }), 1000);
  const client = async (connection: JsonConnection): Promise<void> => {
    while (performance.now() < deadline && (input.cycle || next < input.orders.length)) {
      const n = next++;
      const order = input.orders[n % input.orders.length]!;
      const t0 = performance.now();
      const body = (await connection.post(
        { query: REPORT_DOCUMENT, variables: reportVariables(order.orderId, n) },
        order.token,
      )) as { data?: { reportCase: { status: string; autoDecided: boolean } } } | null;
      const opened = body?.data?.reportCase;
      if (opened?.status !== 'EXECUTING' || !opened.autoDecided) {
        failed++;
        sampleFailure ??= JSON.stringify(body).slice(0, 300);
        continue;
      }
      latenciesMs.push(performance.now() - t0);
    }
  };
  try {
    await Promise.all(connections.map(client));
  } finally {
    clearInterval(progress);
    for (const connection of connections) connection.close();
  }
  const cpu = process.threadCpuUsage(cpuBefore);
  return {
    latenciesMs,
    failed,
    seconds: (performance.now() - started) / 1000,
    cpuMs: (cpu.user + cpu.system) / 1000,
    used: Math.min(next, input.orders.length),
    sampleFailure,
  };
}

// Rounds are asked for one at a time (`LoadWorker.run`).
parentPort?.on('message', (message: { run: CasesLoadInput }) => {
  void run(message.run).then((done) => parentPort!.postMessage({ done }));
});
