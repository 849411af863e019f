import type { Client } from 'pg';

/**
 * A short-lived connection for administrative statements (databases, roles, sessions), ended when
 * `work` settles. pg is imported here, when first needed: the embedded server's start-up uses this
 * before anything else has loaded the driver.
 */
export async function onAdminConnection<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  // A connection the server ends outside a query (a restart, 57P01) must not end the process as an
  // unhandled 'error' event: the statement in flight, if any, rejects on its own.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** One statement on its own administrative connection; the number of rows it returned or touched. */
export async function adminStatement(
  url: string,
  text: string,
  params: readonly unknown[] = [],
): Promise<number> {
  return onAdminConnection(url, async (client) => (await client.query(text, [...params])).rowCount ?? 0);
}
