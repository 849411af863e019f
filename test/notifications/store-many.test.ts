import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobQueue, type JobQueue } from '../../src/jobs/index.js';
import { createLogger } from '../../src/logging/index.js';
import { createTestDatabase } from '../support/db.js';

const QUEUE = 'test.deliver';

let seq = 0;
function draft(dedupeKey: string, deliverQueue: string | null = null): Record<string, unknown> {
  seq++;
  return {
    id: `nt_many_${seq}`,
    recipientKind: 'CUSTOMER',
    recipientId: `cu_${seq % 3}`,
    kind: 'CASE_DECIDED',
    title: `title ${seq}`,
    body: `body ${seq}`,
    data: { caseId: `cs_${seq}`, amountMinor: '1000' },
    dedupeKey,
    deliveryStatus: deliverQueue ? 'PENDING' : 'SKIPPED',
    deliverQueue,
  };
}

/**
 * `notification_store_many` (the notifications module's set-based writer, one statement for a group's
 * notifications) stores what one `notification_store` call per draft stores: the same rows, the first
 * draft of a dedupe key winning, and a delivery job for each new one that names a queue.
 */
describe('notification_store_many', () => {
  let db: { url: string; drop: () => Promise<void> };
  let jobs: JobQueue;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    jobs = await startJobQueue({
      url: db.url,
      role: 'api',
      definitions: [{ name: QUEUE, handle: async () => {} }],
      logger,
    });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await jobs.stop();
    await db.drop();
  });

  const stored = async (ids: readonly string[]) =>
    (
      await client.query<Record<string, unknown>>(
        `select id, recipient_kind, recipient_id, kind, title, body, data, dedupe_key, delivery_status,
                delivery_attempts
           from notification where id = any($1::text[]) order by id`,
        [ids],
      )
    ).rows;
  const deliveries = async (ids: readonly string[]) =>
    (
      await client.query<{ id: string }>(
        `select data ->> 'id' as id from pgboss.job where name = $1 and data ->> 'id' = any($2::text[])
          order by created_on, data ->> 'id'`,
        [QUEUE, ids],
      )
    ).rows.map((row) => row.id);

  it('stores the same rows and delivery jobs as one call per draft, in order', async () => {
    const one = [draft('k-one-1', QUEUE), draft('k-one-2'), draft('k-one-3', QUEUE)];
    const many = [draft('k-many-1', QUEUE), draft('k-many-2'), draft('k-many-3', QUEUE)];
    for (const d of one) await client.query(`select notification_store($1::jsonb)`, [JSON.stringify(d)]);
    const { rows } = await client.query<{ n: number; id: string | null }>(
      `select n, id from notification_store_many($1::jsonb)`,
      [JSON.stringify(many)],
    );
    expect(rows).toEqual(many.map((d, i) => ({ n: i + 1, id: d['id'] })));

    const own = new Set(['id', 'dedupe_key', 'title', 'body', 'data']);
    const comparable = (row: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(row).filter(([column]) => !own.has(column)));
    const byOne = await stored(one.map((d) => d['id'] as string));
    const byMany = await stored(many.map((d) => d['id'] as string));
    expect(byMany.map(comparable)).toEqual(byOne.map(comparable));
    expect(byMany.map((row) => [row['title'], row['body'], row['data'], row['dedupe_key']])).toEqual(
      many.map((d) => [d['title'], d['body'], d['data'], d['dedupeKey']]),
    );
    expect(await deliveries(many.map((d) => d['id'] as string))).toEqual([many[0]!['id'], many[2]!['id']]);
    expect(await deliveries(one.map((d) => d['id'] as string))).toEqual([one[0]!['id'], one[2]!['id']]);
  });

  it('stores a dedupe key once: a key already stored, or earlier in the call, gets no row and no job', async () => {
    const first = draft('k-dup-stored', QUEUE);
    await client.query(`select notification_store($1::jsonb)`, [JSON.stringify(first)]);
    const again = draft('k-dup-stored', QUEUE);
    const a = draft('k-dup-call', QUEUE);
    const b = draft('k-dup-call', QUEUE);
    const fresh = draft('k-dup-fresh');
    const { rows } = await client.query<{ n: number; id: string | null }>(
      `select n, id from notification_store_many($1::jsonb)`,
      [JSON.stringify([again, a, b, fresh])],
    );
    expect(rows).toEqual([
      { n: 1, id: null },
      { n: 2, id: a['id'] },
      { n: 3, id: null },
      { n: 4, id: fresh['id'] },
    ]);
    const ids = [first, again, a, b, fresh].map((d) => d['id'] as string);
    expect((await stored(ids)).map((row) => row['id'])).toEqual([first['id'], a['id'], fresh['id']].sort());
    expect(await deliveries(ids)).toEqual([first['id'], a['id']]);
    // The one-draft form answers null for a stored key, as before.
    const { rows: single } = await client.query<{ id: string | null }>(
      `select notification_store($1::jsonb) as id`,
      [JSON.stringify(draft('k-dup-call'))],
    );
    expect(single).toEqual([{ id: null }]);
  });

  it('stores nothing for an empty call, and nothing at all when a delivery queue is unknown', async () => {
    const { rows } = await client.query(`select * from notification_store_many('[]'::jsonb)`);
    expect(rows).toEqual([]);
    const good = draft('k-unknown-1', QUEUE);
    const bad = draft('k-unknown-2', 'test.nowhere');
    const refusal = await client
      .query(`select * from notification_store_many($1::jsonb)`, [JSON.stringify([good, bad])])
      .then(
        () => null,
        (error: { code?: string }) => error,
      );
    expect(refusal).toMatchObject({ code: 'P0001' });
    expect(await stored([good['id'] as string, bad['id'] as string])).toEqual([]);
  });
});
