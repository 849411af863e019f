import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startTracing, type Tracing } from '../../src/tracing/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder, waitForRefund } from '../support/builders.js';

const isSql = (span: ReadableSpan) => span.instrumentationScope.name === '@opentelemetry/instrumentation-pg';
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

  it('is off unless TRACING is set', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).tracing.enabled).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development', TRACING: 'true' }).tracing).toMatchObject({
      enabled: true,
      otlpUrl: 'http://127.0.0.1:4318/v1/traces',
    });
  });

  it('follows one refund from its GraphQL operation through SQL, then the job through the provider call', async () => {
    const order = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 10_000 });
    exporter.reset();
    const res = await t.gql<{ requestRefund: { refund: { id: string } } }>(
      `mutation RequestRefund($input: RequestRefundInput!) { requestRefund(input: $input) { refund { id } } }`,
      {
        input: {
          idempotencyKey: 'trace-refund-1',
          paymentId: order.paymentId,
          amount: { amount: '12.00', currency: 'CNY' },
          reason: 'traced',
          liableParty: 'MERCHANT',
        },
      },
      { role: 'SUPPORT', sub: 'agent_trace' },
    );
    expect(res.errors).toBeUndefined();
    await waitForRefund(t, res.data!.requestRefund.refund.id, (r) => r.status === 'SUCCEEDED');

    const spans = exporter.getFinishedSpans();
    const operation = spans.find((s) => s.name === 'graphql mutation RequestRefund');
    expect(operation, spans.map((s) => s.name).join('\n')).toBeDefined();
    expect(operation!.attributes['graphql.operation.name']).toBe('RequestRefund');
    const sql = childrenOf(spans, operation!).filter(isSql);
    expect(sql.length).toBeGreaterThan(0);
    expect(sql.every((s) => s.spanContext().traceId === operation!.spanContext().traceId)).toBe(true);

    const call = spans.find((s) => s.name === 'provider WECHAT_PAY refund');
    expect(call, spans.map((s) => s.name).join('\n')).toBeDefined();
    const job = spans.find((s) => s.spanContext().spanId === parentOf(call!));
    expect(job?.name).toMatch(/^job /);
    expect(childrenOf(spans, job!).some(isSql)).toBe(true);
  }, 60_000);
});
