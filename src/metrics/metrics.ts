import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Where the scrape-time gauges read from: each module's own read-only queries. */
export interface MetricSources {
  /** Refunds not yet final, by status and channel. */
  readonly openRefunds: () => Promise<readonly { status: string; channel: string; count: number }[]>;
  /** Jobs waiting per queue and the age of the oldest, in seconds. */
  readonly queues: () => Promise<readonly { queue: string; waiting: number; oldestSeconds: number }[]>;
  /** Per currency: total debits − total credits in minor units (0 when the ledger balances). */
  readonly trialBalance: () => Promise<readonly { currency: string; differenceMinor: bigint }[]>;
  /** This database's server connections by state. */
  readonly connections: () => Promise<readonly { state: string; count: number }[]>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The process's Prometheus metrics (prom-client): request and operation latency and errors, provider
 * calls, notify verification failures, and gauges read at scrape time (open refunds, job queues,
 * trial balance, connections). Labels are bounded sets (route patterns, operation names, codes).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly graphqlDuration: Histogram<'operation' | 'type'>;
  readonly graphqlErrors: Counter<'operation' | 'code'>;
  readonly providerDuration: Histogram<'provider' | 'call' | 'outcome'>;
  readonly notifyRejected: Counter<'provider' | 'code'>;
  readonly rateLimited: Counter<'budget'>;
  readonly refundsEntered: Counter<'status' | 'channel'>;

  constructor(role: string, sources: MetricSources | undefined) {
    this.registry.setDefaultLabels({ role });
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.graphqlDuration = new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'GraphQL operations by operation name and type',
      labelNames: ['operation', 'type'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.graphqlErrors = new Counter({
      name: 'graphql_errors_total',
      help: 'GraphQL errors by operation name and extensions.code',
      labelNames: ['operation', 'code'],
      registers,
    });
    this.providerDuration = new Histogram({
      name: 'provider_call_duration_seconds',
      help: 'Calls to WeChat Pay / Alipay by call and outcome (ok or the ProviderError code)',
      labelNames: ['provider', 'call', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.notifyRejected = new Counter({
      name: 'notify_verification_failures_total',
      help: 'Provider notifies refused before anything was stored, by reason',
      labelNames: ['provider', 'code'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'http_rate_limited_total',
      help: 'Requests refused by the rate limiter (429), by budget; most never reach the request histogram',
      labelNames: ['budget'],
      registers,
    });
    this.refundsEntered = new Counter({
      name: 'refunds_entered_total',
      help: 'Refunds entering a status, by status and channel: PENDING when created, then every change of state (by this process)',
      labelNames: ['status', 'channel'],
      registers,
    });
    if (sources) this.scrapeGauges(sources);
  }

  private scrapeGauges(sources: MetricSources): void {
    const registers = [this.registry];
    new Gauge({
      name: 'refunds_open',
      help: 'Refunds not final yet (PENDING, PROCESSING, ABNORMAL) by status and channel',
      labelNames: ['status', 'channel'],
      registers,
      async collect() {
        this.reset();
        for (const row of await sources.openRefunds())
          this.set({ status: row.status, channel: row.channel }, row.count);
      },
    });
    const depth = new Gauge({
      name: 'job_queue_waiting',
      help: 'Jobs waiting to run, per queue',
      labelNames: ['queue'],
      registers,
    });
    new Gauge({
      name: 'job_queue_oldest_waiting_seconds',
      help: 'Age of the oldest waiting job, per queue',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        depth.reset();
        for (const row of await sources.queues()) {
          depth.set({ queue: row.queue }, row.waiting);
          this.set({ queue: row.queue }, row.oldestSeconds);
        }
      },
    });
    new Gauge({
      name: 'ledger_trial_balance_difference_minor',
      help: 'Total debits − total credits over every account, per currency (0 = balanced)',
      labelNames: ['currency'],
      registers,
      async collect() {
        this.reset();
        for (const row of await sources.trialBalance())
          this.set({ currency: row.currency }, Number(row.differenceMinor));
      },
    });
    new Gauge({
      name: 'db_connections',
      help: "Server connections to this service's database, by state",
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        for (const row of await sources.connections()) this.set({ state: row.state }, row.count);
      },
    });
  }
}
