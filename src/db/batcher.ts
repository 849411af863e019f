/**
 * Batches calls that arrive together (the group commits of refund requests and case reports, one
 * statement for the reads of one turn): calls that arrive while earlier batches are in flight wait
 * and go together in the next.
 * There is no timer: an idle service sends a request at once, alone, and a busy one sends what
 * accumulated as soon as a batch slot frees up, so batches grow with the load. With `sameTurn`, a
 * batch leaves at the end of the event loop's current turn (`setImmediate`) rather than at once, so
 * the requests read from the network in one turn (a burst answered by the previous group) go
 * together even while slots are free.
 */
export class Batcher<I, O> {
  private readonly queue: { item: I; resolve: (outcome: O) => void; reject: (error: unknown) => void }[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly commit: (items: readonly I[]) => Promise<readonly O[]>,
    private readonly options: {
      readonly maxBatch: number;
      readonly inFlight: number;
      readonly sameTurn?: boolean;
    },
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.options.sameTurn) this.pump();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.running < this.options.inFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.running++;
      this.commit(batch.map((waiting) => waiting.item))
        .then((outcomes) => {
          if (outcomes.length !== batch.length) throw new Error('a batch answered for a different count');
          batch.forEach((waiting, i) => waiting.resolve(outcomes[i]!));
        })
        .catch((error: unknown) => {
          for (const waiting of batch) waiting.reject(error);
        })
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }
}

/**
 * The settings of reads that arrive together (the refund command's pre-reads, the case reports' order,
 * claim and risk reads): up to 64 in one statement, sent at the end of the event loop's turn, four
 * statements in flight.
 */
export const SAME_TURN_READS = { maxBatch: 64, inFlight: 4, sameTurn: true } as const;
