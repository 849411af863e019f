import { Migration } from '@mikro-orm/migrations';

/**
 * `refund_request_context` for several requests in one statement: the service groups the pre-reads of
 * requests that arrive together, as it groups their commits (one statement instead of one each).
 */
export class Migration20261122051000RefundRequestContexts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function refund_request_contexts(p_items jsonb)
      returns table (idx int, existing_id varchar, order_payments bigint, id varchar, order_id varchar,
                     merchant_id varchar, rider_id varchar, channel varchar, currency varchar)
      language sql volatile as $$
        select (e.ord - 1)::int, c.*
          from jsonb_array_elements(p_items) with ordinality as e(item, ord)
          cross join lateral refund_request_context(e.item ->> 'scope', e.item ->> 'key', e.item ->> 'paymentId',
                                                    e.item ->> 'orderId') as c
         order by e.ord
      $$;`);
  }
}
