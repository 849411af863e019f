import { createServer, type Server, type Socket } from 'node:net';
import { adminStatement } from '../../src/db/index.js';
import { dialerFor, track } from './db-proxy.js';

/**
 * A TCP relay in front of a test database that makes one race happen every time: a client's goodbye
 * (the protocol's Terminate message) crossing PostgreSQL's FATAL on the wire, as when the server
 * stops or an operator ends sessions just as the client closes. The relay holds each Terminate, ends
 * that session on the real server (`pg_terminate_backend`, so the server itself sends its FATAL
 * 57P01), passes everything the server sends to the client, and only then closes: every client
 * receives a real FATAL after it has said goodbye.
 */
export interface GoodbyeRelay {
  /** The database URL, reached through the relay. */
  readonly url: string;
  /** Sessions ended at their goodbye so far. */
  crossed(): number;
  close(): Promise<void>;
}

export async function startGoodbyeRelay(databaseUrl: string, adminUrl: string): Promise<GoodbyeRelay> {
  const dial = dialerFor(databaseUrl);
  const sockets = new Set<Socket>();
  let crossed = 0;
  const relay = (client: Socket): void => {
    const upstream = dial();
    track(sockets, client, upstream);
    let backendPid: number | undefined;
    let holding = false;
    // Server to client: everything, as it comes; BackendKeyData ('K') names the session's process.
    const fromServer = messages(true, (type, message) => {
      if (type === 'K') backendPid = message.readInt32BE(5);
    });
    upstream.on('data', (chunk: Buffer) => {
      fromServer(chunk);
      client.write(chunk);
    });
    upstream.on('end', () => client.end());
    // Client to server: everything but Terminate ('X'), which waits for the server's FATAL to pass.
    const fromClient = messages(false, (type, message) => {
      if (type !== 'X' || backendPid === undefined) {
        upstream.write(message);
        return;
      }
      const pid = backendPid;
      holding = true;
      crossed += 1;
      const gone = new Promise<void>((resolve) => {
        upstream.once('close', () => resolve());
        setTimeout(resolve, 2_000).unref();
      });
      void adminStatement(adminUrl, 'select pg_terminate_backend($1)', [pid])
        .then(() => gone)
        .catch(() => undefined)
        .finally(() => {
          if (upstream.writable) upstream.end(message);
          client.end();
        });
    });
    client.on('data', fromClient);
    // The client half-closes after its Terminate; the server must not see that before its FATAL left.
    client.on('end', () => {
      if (!holding) upstream.end();
    });
  };
  const server: Server = createServer({ allowHalfOpen: true }, relay);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(typeof address === 'object' && address ? address.port : 0);
  return {
    url: url.toString(),
    crossed: () => crossed,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Splits a protocol stream into whole messages: `typed` for the server's side (a type byte, then a
 * length); the client's first message (startup) has no type byte.
 */
function messages(typed: boolean, each: (type: string, message: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  let started = typed;
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const head = started ? 1 : 0;
      if (pending.length < head + 4) return;
      const size = head + pending.readInt32BE(head);
      if (pending.length < size) return;
      const message = pending.subarray(0, size);
      pending = pending.subarray(size);
      each(started ? String.fromCharCode(message[0]!) : '', message);
      started = true;
    }
  };
}
