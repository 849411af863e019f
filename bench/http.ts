/**
 * The load generators' HTTP client: plain `node:http` on kept-alive connections (one per client),
 * measured at about half the CPU per request of `fetch`, CPU the server under test shares here.
 */
import { request, type Agent } from 'node:http';

/** POSTs JSON and parses the answer; null for a transport error or a body that is not JSON. */
export function postJson(agent: Agent, url: string, token: string, payload: object): Promise<unknown> {
  const body = Buffer.from(JSON.stringify(payload));
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString()));
          } catch {
            resolve(null);
          }
        });
        res.on('error', () => resolve(null));
      },
    );
    req.on('error', () => resolve(null));
    req.end(body);
  });
}
