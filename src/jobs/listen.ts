import pg from 'pg';
import type { Db } from 'pg-boss';

/** pg-boss's optional LISTEN capability of a database adapter (`Db.listen`). */
export type Listen = NonNullable<Db['listen']>;

export interface ListenSettings {
  /** What the connection is opened with (pg-boss's own settings: URL, application name). */
  readonly connection: pg.ClientConfig;
  /** A lost connection (it is opened again) or a failed heartbeat; never a connection already given up. */
  readonly onError: (error: unknown) => void;
  /** How often the connection proves it still listens, and how long that may take. */
  readonly heartbeatMs?: number;
  readonly heartbeatTimeoutMs?: number;
}

/**
 * The job queue's dedicated LISTEN connection, in place of pg-boss's own (`Db.listen`, which pg-boss
 * documents as an adapter's optional capability): the same contract — LISTEN on one session, a
 * heartbeat that proves the subscription, reconnection with capped backoff, `onReconnect` after every
 * subscribe so missed notifications are fetched, a first failure rejected — with one difference.
 * pg-boss takes every listener off a connection before ending it; PostgreSQL may have sent a FATAL
 * (57P01 when it stops or ends sessions) that crosses the goodbye on the wire, and pg then emits it as
 * an 'error' event with nothing listening, which ends the process: a worker stopping during a
 * database restart or failover died that way. Here a connection keeps its error listener for life;
 * once given up, whatever it still reports is moot and ignored.
 */
export function listenKeepingErrorListeners(settings: ListenSettings): Listen {
  const heartbeatMs = settings.heartbeatMs ?? 10_000;
  const heartbeatTimeoutMs = settings.heartbeatTimeoutMs ?? 5_000;
  return async (channel, onNotification, onReconnect) => {
    let closed = false;
    let current: pg.Client | undefined;
    let established = false;
    let attempt = 0;
    let reconnectTimer: NodeJS.Timeout | undefined;
    let heartbeatTimer: NodeJS.Timeout | undefined;

    const giveUp = (client: pg.Client): void => {
      if (current === client) current = undefined;
      client.end().catch(() => undefined);
    };
    const scheduleReconnect = (): void => {
      if (closed || reconnectTimer !== undefined) return;
      const backoff = Math.min(30_000, 1_000 * 2 ** Math.min(attempt, 5));
      attempt += 1;
      reconnectTimer = setTimeout(() => {
        reconnectTimer = undefined;
        connect().catch(() => scheduleReconnect());
      }, backoff);
    };
    const disconnect = (client: pg.Client, error: unknown): void => {
      if (closed || current !== client) return;
      clearTimeout(heartbeatTimer);
      giveUp(client);
      settings.onError(error);
      if (established) scheduleReconnect();
    };
    const heartbeat = async (client: pg.Client): Promise<void> => {
      let timer: NodeJS.Timeout | undefined;
      const query = client.query<{ listening: boolean }>(
        `select exists (select 1 from pg_listening_channels() as active(channel) where channel = $1) as listening`,
        [channel],
      );
      query.catch(() => undefined);
      try {
        const result = await Promise.race([
          query,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error('LISTEN/NOTIFY heartbeat timed out')),
              heartbeatTimeoutMs,
            );
          }),
        ]);
        if (!result.rows[0]?.listening) throw new Error('LISTEN/NOTIFY channel registration was lost');
      } finally {
        clearTimeout(timer);
      }
    };
    const scheduleHeartbeat = (client: pg.Client): void => {
      if (closed || current !== client) return;
      heartbeatTimer = setTimeout(() => {
        if (closed || current !== client) return;
        heartbeat(client).then(
          () => scheduleHeartbeat(client),
          (error: unknown) => disconnect(client, error),
        );
      }, heartbeatMs);
    };
    const connect = async (): Promise<void> => {
      if (closed) return;
      const client = new pg.Client({
        ...settings.connection,
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      });
      // For the connection's whole life, also after it was given up: see above.
      client.on('error', (error) => disconnect(client, error));
      client.on('end', () => disconnect(client, new Error('LISTEN/NOTIFY connection ended')));
      client.on('notification', (message) => {
        if (current === client && message.payload !== undefined) onNotification(message.payload);
      });
      // Current before it connects, so that close() ends a connection still being opened.
      current = client;
      try {
        await client.connect();
        await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
      } catch (error) {
        giveUp(client);
        throw error;
      }
      if (closed || current !== client) return;
      attempt = 0;
      established = true;
      scheduleHeartbeat(client);
      onReconnect();
    };

    await connect();
    return {
      close: async () => {
        closed = true;
        clearTimeout(reconnectTimer);
        clearTimeout(heartbeatTimer);
        const client = current;
        current = undefined;
        if (client !== undefined) await client.end().catch(() => undefined);
      },
    };
  };
}
