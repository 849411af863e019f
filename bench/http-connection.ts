/**
 * A load generator's HTTP/1.1 client at its cheapest: one kept-alive socket, one JSON POST at a time,
 * the request written as one buffer and the answer cut out by its Content-Length. It does what
 * pgbench's client does for TPC-B (send, wait, read), so the CPU it costs beside the server under test
 * is the protocol's, not a general client's: `node:http`'s request and response objects, header
 * checks and streams cost about as much per request again on this benchmark's machine. It speaks
 * only what the api answers (a status line, headers, a body with Content-Length); anything else
 * (a chunked body, a closed socket) fails the request and the next one opens a new socket.
 */
import { connect, type Socket } from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');

interface Waiting {
  readonly resolve: (body: unknown) => void;
}

export class JsonConnection {
  private socket: Socket | undefined;
  private chunks: Buffer[] = [];
  private received = 0;
  private waiting: Waiting | undefined;
  private readonly head: string;
  private readonly port: number;
  private readonly hostname: string;

  /**
   * `url` is the endpoint (`http://host:port/path`); every request carries `token` as its bearer, unless
   * the request names its own (a load generator whose calls are each by another customer).
   */
  constructor(
    url: string,
    private readonly token?: string,
  ) {
    const { host, pathname, port, hostname } = new URL(url);
    this.port = Number(port);
    this.hostname = hostname;
    this.head =
      `POST ${pathname} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
      `Connection: keep-alive\r\nAuthorization: Bearer `;
  }

  /** POSTs `payload` as JSON; its answer parsed, or null (transport error, not 200-with-JSON). */
  post(payload: object, token = this.token): Promise<unknown> {
    if (token === undefined) throw new Error('JsonConnection.post: no bearer token');
    const body = JSON.stringify(payload);
    const request = `${this.head}${token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    return new Promise((resolve) => {
      this.waiting = { resolve };
      this.open().write(request);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Socket {
    if (this.socket) return this.socket;
    const socket = connect({ port: this.port, host: this.hostname, noDelay: true });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = () => {
      if (this.socket === socket) this.socket = undefined;
      this.chunks = [];
      this.received = 0;
      this.answer(null);
    };
    socket.on('error', fail);
    socket.on('close', fail);
    this.socket = socket;
    return socket;
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.received += chunk.length;
    const data = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks);
    this.chunks = [data];
    const end = data.indexOf(HEADER_END);
    if (end < 0) return;
    const length = /\r\ncontent-length: *(\d+)/i.exec(data.toString('latin1', 0, end));
    if (!length) {
      this.close(); // not an answer this client reads (chunked, or none): fail it, start afresh
      return;
    }
    const total = end + HEADER_END.length + Number(length[1]);
    if (this.received < total) return;
    const ok = data.toString('latin1', 9, 12) === '200';
    const text = data.toString('utf8', end + HEADER_END.length, total);
    this.chunks = this.received > total ? [data.subarray(total)] : [];
    this.received -= total;
    let parsed: unknown = null;
    try {
      parsed = ok ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    this.answer(parsed);
  }

  private answer(body: unknown): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve(body);
  }
}
