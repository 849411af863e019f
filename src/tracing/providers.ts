import { SpanKind } from '@opentelemetry/api';
import { ProviderError, wrapProviderCalls, type PaymentProvider } from '../providers/index.js';
import { withSpan } from './tracing.js';

/** The same provider, with each outbound call in a client span (the HTTP request's parent). */
export function traceProvider(provider: PaymentProvider): PaymentProvider {
  const traced =
    <A extends unknown[], R>(call: string, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      withSpan(
        `provider ${provider.channel} ${call}`,
        { 'provider.name': provider.channel, 'provider.call': call },
        async (span) => {
          try {
            return await fn(...args);
          } catch (error) {
            if (error instanceof ProviderError) span.setAttribute('provider.error_code', error.code);
            throw error;
          }
        },
        SpanKind.CLIENT,
      );
  return wrapProviderCalls(provider, traced);
}
