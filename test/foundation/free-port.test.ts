import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/net/index.js';

const [ephemeralStart] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
  .trim()
  .split(/\s+/)
  .map(Number);

describe('freePort', () => {
  it('hands out distinct ports below the kernel ephemeral range, each one listenable', async () => {
    const ports = await Promise.all(Array.from({ length: 100 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) expect(port).toBeLessThan(ephemeralStart!);
    for (const port of ports.slice(0, 10)) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      });
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('skips a port something already listens on', async () => {
    const taken: ReturnType<typeof createServer>[] = [];
    try {
      const before = await freePort();
      // Occupy a wide band around it: the next ports drawn must avoid every one of them.
      for (let port = before + 1; port < before + 200; port++) {
        const server = createServer();
        const ok = await new Promise<boolean>((resolve) => {
          server.once('error', () => resolve(false));
          server.listen(port, '127.0.0.1', () => resolve(true));
        });
        if (ok) taken.push(server);
      }
      const occupied = new Set(taken.map((server) => (server.address() as { port: number }).port));
      const drawn = await Promise.all(Array.from({ length: 300 }, () => freePort()));
      for (const port of drawn) expect(occupied.has(port)).toBe(false);
    } finally {
      await Promise.all(taken.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });
});
