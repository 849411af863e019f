import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminStatement, onAdminConnection } from '../../src/db/index.js';
import { listenKeepingErrorListeners } from '../../src/jobs/listen.js';
import { createTestDatabase } from '../support/db.js';

async function waitFor(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline;) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

/** The job queue's LISTEN connection (pg-boss's `listen` capability, src/jobs/listen.ts). */
describe('the job queue LISTEN connection', () => {
  let db: { url: string; drop: () => Promise<void> };
  const name = `listen-test-${process.pid}`;
  const sessions = async (): Promise<number> =>
    onAdminConnection(inject('pgAdminUrl'), async (client) => {
      const result = await client.query(
        `select count(*)::int as n from pg_stat_activity where application_name = $1`,
        [name],
      );
      return (result.rows[0] as { n: number }).n;
    });
  beforeAll(async () => (db = await createTestDatabase()));
  afterAll(async () => db.drop());

  it('receives notifications, comes back after its session is ended, and closes', async () => {
    const payloads: string[] = [];
    const errors: unknown[] = [];
    let subscribed = 0;
    const listen = listenKeepingErrorListeners({
      connection: { connectionString: db.url, application_name: name },
      onError: (error) => errors.push(error),
    });
    const handle = await listen(
      'test_channel',
      (payload) => payloads.push(payload),
      () => (subscribed += 1),
    );
    try {
      expect(subscribed).toBe(1);
      await adminStatement(db.url, `select pg_notify('test_channel', 'one')`);
      expect(await waitFor(() => payloads.includes('one'), 2_000)).toBe(true);

      // The server ends the session: reported, then subscribed again (first backoff: 1 s).
      await adminStatement(
        inject('pgAdminUrl'),
        `select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`,
        [name],
      );
      expect(await waitFor(() => subscribed === 2, 5_000)).toBe(true);
      expect(errors.map((e) => (e as { code?: string }).code)).toContain('57P01');
      await adminStatement(db.url, `select pg_notify('test_channel', 'two')`);
      expect(await waitFor(() => payloads.includes('two'), 2_000)).toBe(true);
    } finally {
      await handle.close();
    }
    expect(await waitFor(async () => (await sessions()) === 0, 2_000)).toBe(true);
  }, 20_000);

  it('rejects when it cannot subscribe at first', async () => {
    const url = new URL(db.url);
    url.pathname = '/no_such_database_here';
    const listen = listenKeepingErrorListeners({
      connection: { connectionString: url.toString() },
      onError: () => undefined,
    });
    await expect(
      listen(
        'test_channel',
        () => undefined,
        () => undefined,
      ),
    ).rejects.toMatchObject({ code: '3D000' });
  });
});
