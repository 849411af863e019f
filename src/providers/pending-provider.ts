import type { Channel, PaymentProvider } from './payment-provider.js';

/**
 * An adapter whose credentials arrive later (`npm start`'s simulators, starting in their own thread):
 * each call waits for the adapter being built and then goes to it, so the service can be built
 * before the credentials exist. `acknowledge` is synchronous: it answers a notification, which only
 * comes once the service listens, and the service listens only after every adapter is built
 * (`ProviderRegistry.configured`).
 */
export function pendingProvider(channel: Channel, building: Promise<PaymentProvider>): PaymentProvider {
  let built: PaymentProvider | undefined;
  void building.then(
    (provider) => (built = provider),
    () => undefined, // reported by whoever awaits `building` (the start)
  );
  return {
    channel,
    refund: async (request) => (await building).refund(request),
    queryRefund: async (lookup) => (await building).queryRefund(lookup),
    verifyNotification: async (request, now) => (await building).verifyNotification(request, now),
    downloadStatement: async (billDate) => (await building).downloadStatement(billDate),
    acknowledge: (accepted) => {
      if (built === undefined) throw new Error(`the ${channel} adapter has no credentials yet`);
      return built.acknowledge(accepted);
    },
  };
}
