import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Lowest port drawn; below it live the well-known and registered services a machine may run. */
const LOWEST = 15_000;

/**
 * The first port of the kernel's ephemeral range: Linux says it in /proc, other systems use IANA's
 * 49152 (macOS, Windows).
 */
function ephemeralStart(): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const port = Number(start);
    if (Number.isInteger(port) && port > 0) return port;
  } catch {
    // not Linux
  }
  return 49_152;
}

const handedOut = new Set<number>();

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A loopback port nothing listens on right now, for servers a harness starts itself.
 *
 * Drawn at random from below the kernel's ephemeral range, never from it: a port the kernel hands out
 * to `listen(0)` or as an outgoing connection's local port can be taken again by another socket
 * between this check and the caller's own `listen` (a simulator seed's api once met EADDRINUSE that
 * way, beside a parallel seed's connections). This process never hands out a port twice.
 */
export async function freePort(): Promise<number> {
  const end = Math.min(ephemeralStart(), 32_768);
  if (end - LOWEST < 1_000) return anyPort();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (end - LOWEST));
    if (handedOut.has(port)) continue;
    if (await listens(port)) {
      handedOut.add(port);
      return port;
    }
  }
  return anyPort();
}

/** The kernel's choice, where no range below its ephemeral ports is left to draw from. */
function anyPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
