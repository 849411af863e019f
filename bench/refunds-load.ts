/**
 * The HTTP load generator of bench/refunds.ts, run in a worker thread so that building requests and
 * parsing responses does not compete with the server's own event loop. Plain `node:http` on kept-alive
 * connections (one per client): measured at about half the CPU per request of `fetch`, CPU the server
 * under test shares on this machine.
 */
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';

export interface LoadInput {
  readonly url: string;
  readonly token: string;
  readonly databaseUrl: string;
  readonly paymentIds: readonly string[];
  readonly label: string;
  readonly clients: number;
  readonly seconds: number;
  /** Also wait, per request, until the refund is SUCCEEDED (closed loop). */
  readonly settle: boolean;
}

export interface LoadOutput {
  readonly latenciesMs: number[];
  readonly failed: number;
  readonly seconds: number;
  /** CPU ms of this thread (the load generator itself) over the run. */
  readonly cpuMs: number;
}

async function run(input: LoadInput): Promise<LoadOutput> {
  const pool = new pg.Pool({ connectionString: input.databaseUrl, max: 4 });
  const agent = new Agent({ keepAlive: true, maxSockets: input.clients });
  const latenciesMs: number[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.threadCpuUsage();
  const deadline = started + input.seconds * 1000;
  const progress = setInterval(() => parentPort?.postMessage({ progress: latenciesMs.length }), 1000);
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const n = next++;
      const t0 = performance.now();
      const body = (await postJson(agent, `${input.url}/graphql`, input.token, {
        query: 'mutation($input: RequestRefundInput!) { requestRefund(input: $input) { refund { id } } }',
        variables: {
          input: {
            idempotencyKey: `bench-${process.pid}-${input.label}-${n}`,
            paymentId: input.paymentIds[n % input.paymentIds.length],
            amount: { amount: '0.01', currency: 'CNY' },
            reason: 'benchmark',
            liableParty: 'MERCHANT',
          },
        },
      })) as { data?: { requestRefund: { refund: { id: string } } } } | null;
      const id = body?.data?.requestRefund.refund.id;
      if (!id || (input.settle && !(await settled(pool, id, deadline + 30_000)))) {
        failed++;
        continue;
      }
      latenciesMs.push(performance.now() - t0);
    }
  };
  try {
    await Promise.all(Array.from({ length: input.clients }, client));
  } finally {
    clearInterval(progress);
    agent.destroy();
    await pool.end();
  }
  const cpu = process.threadCpuUsage(cpuBefore);
  return {
    latenciesMs,
    failed,
    seconds: (performance.now() - started) / 1000,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/** POSTs JSON and parses the answer; null for a transport error or a body that is not JSON. */
function postJson(agent: Agent, url: string, token: string, payload: object): Promise<unknown> {
  const body = Buffer.from(JSON.stringify(payload));
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString()));
          } catch {
            resolve(null);
          }
        });
        res.on('error', () => resolve(null));
      },
    );
    req.on('error', () => resolve(null));
    req.end(body);
  });
}

/** Polls with backoff (15 ms, ×1.5, ≤ 100 ms) so that waiting does not become the load. */
async function settled(pool: pg.Pool, refundId: string, deadline: number): Promise<boolean> {
  let delay = 15;
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 1.5, 100);
    const { rows } = await pool.query<{ status: string }>({
      name: 'refund_status',
      text: 'select status from refund where id = $1',
      values: [refundId],
    });
    const status = rows[0]?.status;
    if (status === 'SUCCEEDED') return true;
    if (status !== undefined && status !== 'PENDING' && status !== 'PROCESSING') return false;
  }
  return false;
}

if (parentPort) {
  const output = await run(workerData as LoadInput);
  parentPort.postMessage({ done: output });
}
