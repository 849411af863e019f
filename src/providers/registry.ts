import type { Channel, PaymentProvider } from './payment-provider.js';

/** Routes to the adapter of the channel a payment was made with. */
export class ProviderRegistry {
  private readonly byChannel: ReadonlyMap<Channel, PaymentProvider>;

  /**
   * @param configured resolves once every adapter has its credentials (some may arrive after the
   *   registry is made: `pendingProvider`), rejects with the reason one cannot have them.
   */
  constructor(
    providers: readonly PaymentProvider[],
    readonly configured: Promise<void> = Promise.resolve(),
  ) {
    this.byChannel = new Map(providers.map((p) => [p.channel, p]));
  }

  get(channel: Channel): PaymentProvider {
    const provider = this.byChannel.get(channel);
    if (!provider) throw new Error(`No provider adapter configured for ${channel}`);
    return provider;
  }

  /** The same channels, each adapter wrapped (metrics, tracing). */
  wrapped(wrap: (provider: PaymentProvider) => PaymentProvider): ProviderRegistry {
    return new ProviderRegistry([...this.byChannel.values()].map(wrap), this.configured);
  }

  has(channel: Channel): boolean {
    return this.byChannel.has(channel);
  }
}
