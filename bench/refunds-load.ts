/**
 * The HTTP load generator of bench/refunds.ts, run in a worker thread (one for all the rounds of a
 * part: `LoadWorker`) so that building requests and parsing responses does not compete with the
 * server's own event loop. One kept-alive connection per client, written and read at the protocol
 * level (`JsonConnection`): the CPU it costs is shared with the server under test on this machine.
 */
import { parentPort } from 'node:worker_threads';
import pg from 'pg';
import { JsonConnection } from './http-connection.js';
import type { PartOutput } from './rounds.js';

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

/** One round's latencies, failures and the load generator's own CPU. */
export type LoadOutput = PartOutput;

async function run(input: LoadInput): Promise<LoadOutput> {
  // Only a closed loop waits for outcomes (and reads the database for them).
  const pool = input.settle ? new pg.Pool({ connectionString: input.databaseUrl, max: 2 }) : undefined;
  const connections = Array.from(
    { length: input.clients },
    () => new JsonConnection(`${input.url}/graphql`, input.token),
  );
  const latenciesMs: number[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.threadCpuUsage();
  const deadline = started + input.seconds * 1000;
  const watcher = pool && new SettleWatcher(pool);
  const progress = setInterval(() => parentPort?.postMessage({ progress: latenciesMs.length }), 1000);
  const client = async (connection: JsonConnection): Promise<void> => {
    while (performance.now() < deadline) {
      const n = next++;
      const t0 = performance.now();
      const body = (await connection.post({
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
      if (!id || (watcher && !(await watcher.settled(id, deadline + 30_000)))) {
        failed++;
        continue;
      }
      latenciesMs.push(performance.now() - t0);
    }
  };
  try {
    await Promise.all(connections.map(client));
  } finally {
    clearInterval(progress);
    watcher?.stop();
    for (const connection of connections) connection.close();
  }
  const cpu = process.threadCpuUsage(cpuBefore);
  await pool?.end();
  return {
    latenciesMs,
    failed,
    seconds: (performance.now() - started) / 1000,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/**
 * Waits for refunds to leave PENDING/PROCESSING: one query every 10 ms for all the refunds still
 * awaited, so that waiting for outcomes costs the machine little, however many clients wait.
 */
class SettleWatcher {
  private readonly waiting = new Map<string, { resolve: (ok: boolean) => void; deadline: number }>();
  private readonly timer: NodeJS.Timeout;
  private busy = false;

  constructor(private readonly pool: pg.Pool) {
    this.timer = setInterval(() => void this.check(), 10);
  }

  /** True once the refund is SUCCEEDED; false for another final status or at the deadline. */
  settled(refundId: string, deadline: number): Promise<boolean> {
    return new Promise((resolve) => this.waiting.set(refundId, { resolve, deadline }));
  }

  stop(): void {
    clearInterval(this.timer);
    for (const { resolve } of this.waiting.values()) resolve(false);
    this.waiting.clear();
  }

  private async check(): Promise<void> {
    if (this.busy || this.waiting.size === 0) return;
    this.busy = true;
    try {
      const { rows } = await this.pool.query<{ id: string; status: string }>({
        name: 'refunds_settled',
        text: `select id, status from refund
                where id = any($1::varchar[]) and status not in ('PENDING', 'PROCESSING')`,
        values: [[...this.waiting.keys()]],
      });
      for (const row of rows) {
        this.waiting.get(row.id)?.resolve(row.status === 'SUCCEEDED');
        this.waiting.delete(row.id);
      }
      const now = performance.now();
      for (const [id, waiter] of this.waiting) {
        if (waiter.deadline < now) {
          waiter.resolve(false);
          this.waiting.delete(id);
        }
      }
    } catch {
      // A failed check is retried on the next tick; the deadline bounds the wait.
    } finally {
      this.busy = false;
    }
  }
}

// Rounds are asked for one at a time (`LoadWorker.run`).
parentPort?.on('message', (message: { run: LoadInput }) => {
  void run(message.run).then((done) => parentPort!.postMessage({ done }));
});
