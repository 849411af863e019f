import type { PaymentProvider } from './payment-provider.js';

/** Wraps one of a provider's outbound calls (refund, queryRefund, downloadStatement) by its name. */
export type CallWrapper = <A extends unknown[], R>(
  call: string,
  fn: (...args: A) => Promise<R>,
) => (...args: A) => Promise<R>;

/**
 * The same provider with its outbound calls wrapped (timing, tracing, …) and the rest passed through;
 * `verifyNotification` may be replaced. One place lists the calls, so a new one is wrapped everywhere.
 */
export function wrapProviderCalls(
  provider: PaymentProvider,
  wrap: CallWrapper,
  verifyNotification: PaymentProvider['verifyNotification'] = (request, now) =>
    provider.verifyNotification(request, now),
): PaymentProvider {
  return {
    channel: provider.channel,
    refund: wrap('refund', (request) => provider.refund(request)),
    queryRefund: wrap('queryRefund', (lookup) => provider.queryRefund(lookup)),
    downloadStatement: wrap('downloadStatement', (date) => provider.downloadStatement(date)),
    acknowledge: (accepted) => provider.acknowledge(accepted),
    verifyNotification,
  };
}
