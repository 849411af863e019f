import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startTracing, type Tracing } from '../../src/tracing/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder, waitForRefund } from '../support/builders.js';

const isSql = (span: ReadableSpan) => span.instrumentationScope.name === '@opentelemetry/instrumentation-pg';
const isPoolAcquire = (span: ReadableSpan) => isSql(span) && span.name === 'pg-pool.connect';
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const childrenOf = (spans: readonly ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((span) => parentOf(span) === parent.spanContext().spanId);

describe('tracing (OpenTelemetry)', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let t: TestApp;
  beforeAll(async () => {
    tracing = await startTracing({ serviceName: 'test', exporter, batch: false });
    t = await startTestApp({ simulators: true });
  }, 120_000);
  afterAll(async () => {
    await t.stop();
    await tracing.shutdown();
  });

  /** One refund requested by support over GraphQL (inside a traced operation), waited for until it settles. */
  async function tracedRefund(idempotencyKey: string, paymentId: string, amount: string): Promise<void> {
    const res = await t.gql<{ requestRefund: { refund: { id: string } } }>(
      `mutation RequestRefund($input: RequestRefundInput!) { requestRefund(input: $input) { refund { id } } }`,
      {
        input: {
          idempotencyKey,
          paymentId,
          amount: { amount, currency: 'CNY' },
          reason: 'traced',
          liableParty: 'MERCHANT',
        },
      },
      { role: 'SUPPORT', sub: 'agent_trace' },
    );
    expect(res.errors).toBeUndefined();
    await waitForRefund(t, res.data!.requestRefund.refund.id, (r) => r.status === 'SUCCEEDED');
  }

  it('is off unless TRACING is set', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).tracing.enabled).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development', TRACING: 'true' }).tracing).toMatchObject({
      enabled: true,
      otlpUrl: 'http://127.0.0.1:4318/v1/traces',
    });
  });

  it.each(['WECHAT_PAY', 'ALIPAY'] as const)(
    'follows one %s refund: GraphQL operation → pool and SQL, then its job → provider call → HTTP request',
    async (channel) => {
      const order = await newPaidOrder(t, { channel, amountFen: 10_000 });
      exporter.reset();
      await tracedRefund(`trace-refund-${channel}`, order.paymentId, '12.00');

      const spans = exporter.getFinishedSpans();
      const names = spans.map((s) => s.name).join('\n');
      const operation = spans.find((s) => s.name === 'graphql mutation RequestRefund');
      expect(operation, names).toBeDefined();
      expect(operation!.attributes['graphql.operation.name']).toBe('RequestRefund');
      const underOperation = childrenOf(spans, operation!);
      // Waiting for a pooled connection is a span of its own, beside the statements it ran.
      expect(underOperation.filter(isPoolAcquire).length, names).toBeGreaterThan(0);
      const sql = underOperation.filter(isSql).filter((s) => !isPoolAcquire(s));
      expect(sql.length).toBeGreaterThan(0);
      expect(sql.every((s) => s.spanContext().traceId === operation!.spanContext().traceId)).toBe(true);

      const call = spans.find((s) => s.name === `provider ${channel} refund`);
      expect(call, names).toBeDefined();
      const job = spans.find((s) => s.spanContext().spanId === parentOf(call!));
      expect(job?.name).toMatch(/^job /);
      // The submit job was queued by the operation (its data carries the W3C trace context): the job's
      // span is the operation's child, so the request's trace reaches the provider call.
      expect(parentOf(job!)).toBe(operation!.spanContext().spanId);
      expect(call!.spanContext().traceId).toBe(operation!.spanContext().traceId);
      expect(childrenOf(spans, job!).some(isPoolAcquire)).toBe(true);
      expect(childrenOf(spans, job!).some(isSql)).toBe(true);

      const http = childrenOf(spans, call!).filter((s) => s.kind === SpanKind.CLIENT);
      expect(http, names).toHaveLength(1);
      const simulator = new URL(
        t.app.simulators!.all[channel === 'WECHAT_PAY' ? 'wechatpay' : 'alipay']!.url,
      );
      expect(http[0]!.name).toBe('POST');
      expect(http[0]!.attributes).toEqual({
        'http.request.method': 'POST',
        'url.scheme': 'http',
        'server.address': simulator.hostname,
        'server.port': Number(simulator.port),
        'url.path': channel === 'WECHAT_PAY' ? '/v3/refund/domestic/refunds' : '/gateway.do',
        'http.response.status_code': 200,
      });
      expect(http[0]!.status.code).not.toBe(SpanStatusCode.ERROR);
      // Nothing secret or personal in a span: no signature, credential, token or query string beside
      // the SQL texts, and the customer nowhere.
      const outside = JSON.stringify(spans.filter((s) => !isSql(s)).map((s) => s.attributes));
      expect(outside).not.toMatch(/sign|app_?id|token|private|\?/i);
      expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain(order.customerId);
    },
    60_000,
  );

  it('requests committed together (one batch statement) each give their submit job their own trace', async () => {
    const orders = await Promise.all(
      [1, 2, 3, 4].map(() => newPaidOrder(t, { channel: 'ALIPAY', amountFen: 5_000 })),
    );
    exporter.reset();
    await Promise.all(orders.map((order, i) => tracedRefund(`trace-batch-${i}`, order.paymentId, '10.00')));
    const spans = exporter.getFinishedSpans();
    const operations = spans.filter((s) => s.name === 'graphql mutation RequestRefund');
    expect(operations).toHaveLength(4);
    expect(new Set(operations.map((o) => o.spanContext().traceId)).size).toBe(4);
    for (const operation of operations) {
      const jobs = childrenOf(spans, operation).filter((s) => s.name.startsWith('job '));
      expect(jobs).toHaveLength(1);
      expect(childrenOf(spans, jobs[0]!).map((s) => s.name)).toContain('provider ALIPAY refund');
    }
  }, 60_000);
});
