import { ProviderError, wrapProviderCalls, type PaymentProvider } from '../providers/index.js';
import type { Metrics } from './metrics.js';

const outcomeOf = (error: unknown): string => (error instanceof ProviderError ? error.code : 'error');

/** The same provider, with each call timed by outcome and each refused notify counted. */
export function instrumentProvider(provider: PaymentProvider, metrics: Metrics): PaymentProvider {
  const name = provider.channel;
  const timed =
    <A extends unknown[], R>(call: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const end = metrics.providerDuration.startTimer({ provider: name, call });
      try {
        const result = await fn(...args);
        end({ outcome: 'ok' });
        return result;
      } catch (error) {
        end({ outcome: outcomeOf(error) });
        throw error;
      }
    };
  return wrapProviderCalls(provider, timed, async (request, now) => {
    try {
      return await provider.verifyNotification(request, now);
    } catch (error) {
      metrics.notifyRejected.inc({ provider: name, code: outcomeOf(error) });
      throw error;
    }
  });
}
