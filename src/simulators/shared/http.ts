/**
 * node:http helpers for simulators: raw-body capture (signatures are over exact bytes), the request
 * target exactly as sent (WeChat signs path+query verbatim), and loopback-only listening.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawRequest {
  readonly method: string;
  /** Path + query exactly as on the request line. */
  readonly target: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: Buffer;
  readonly remoteAddress: string | undefined;
}

export type RawHandler = (req: RawRequest, res: ServerResponse, incoming: IncomingMessage) => Promise<void>;

export interface LoopbackServer {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** 0 (default) picks a free port; the real one is reported back. */
  readonly port?: number;
  readonly host?: string;
  /** Called when the handler throws; default answers 500 text. */
  readonly onError?: (err: unknown, req: RawRequest) => void;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

export function readRawBody(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (c: Buffer) => chunks.push(c));
    incoming.on('end', () => resolve(Buffer.concat(chunks)));
    incoming.on('error', reject);
  });
}

export function toRawRequest(incoming: IncomingMessage, rawBody: Buffer): RawRequest {
  const target = incoming.url ?? '/';
  const q = target.indexOf('?');
  return {
    method: (incoming.method ?? 'GET').toUpperCase(),
    target,
    path: q < 0 ? target : target.slice(0, q),
    query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)),
    headers: incoming.headers,
    rawBody,
    remoteAddress: incoming.socket.remoteAddress,
  };
}

/** First value of a header, or undefined. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export async function listenLoopback(
  handler: RawHandler,
  options: ListenOptions = {},
): Promise<LoopbackServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) throw new Error(`simulators listen on loopback only, not '${host}'`);
  const server = createServer((incoming, res) => {
    void (async () => {
      const raw = toRawRequest(incoming, await readRawBody(incoming));
      if (!isLoopbackAddress(raw.remoteAddress)) {
        res.writeHead(403).end('loopback only');
        return;
      }
      try {
        await handler(raw, res, incoming);
      } catch (err) {
        options.onError?.(err, raw);
        if (!res.headersSent && !res.destroyed)
          res.writeHead(500, { 'content-type': 'text/plain' }).end('simulator error');
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        // Faults leave sockets hanging on purpose; cut them so close() returns promptly.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** JSON.stringify that writes bigint as a decimal string (amounts in control responses). */
export function jsonStringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : jsonStringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(text);
}
