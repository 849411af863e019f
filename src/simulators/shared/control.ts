/**
 * A tiny JSON control API mounted under `/__control/...`, next to (never inside) a provider protocol.
 * Tests and dev tooling use it to create payments, queue faults, move the clock and inspect what the
 * simulator saw. Same-process tests usually call the typed simulator handle instead.
 */
import type { ServerResponse } from 'node:http';
import { jsonStringify, sendJson, type RawRequest } from './http.js';

export const CONTROL_PREFIX = '/__control';

export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ControlContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
}

export type ControlHandler = (ctx: ControlContext) => unknown;

interface Route {
  readonly method: string;
  readonly parts: readonly string[];
  readonly handler: ControlHandler;
}

export interface ControlRouter {
  /** `pattern` is relative to the prefix, e.g. `/payments/:outTradeNo`. */
  add(method: string, pattern: string, handler: ControlHandler): ControlRouter;
  /** Handles control requests; returns false when `req` is not under the prefix. */
  handle(req: RawRequest, res: ServerResponse): Promise<boolean>;
}

export function createControlRouter(prefix: string = CONTROL_PREFIX): ControlRouter {
  const routes: Route[] = [];
  const router: ControlRouter = {
    add(method, pattern, handler) {
      routes.push({ method: method.toUpperCase(), parts: split(pattern), handler });
      return router;
    },
    async handle(req, res) {
      if (req.path !== prefix && !req.path.startsWith(`${prefix}/`)) return false;
      const parts = split(req.path.slice(prefix.length));
      const match = findRoute(routes, req.method, parts);
      if (!match) {
        sendJson(res, 404, { error: `no control route ${req.method} ${req.path}` });
        return true;
      }
      try {
        const body =
          req.rawBody.length > 0 ? (JSON.parse(req.rawBody.toString('utf8')) as unknown) : undefined;
        const result = await match.route.handler({ params: match.params, query: req.query, body });
        sendJson(res, 200, jsonStringify(result ?? { ok: true }));
      } catch (err) {
        const status = err instanceof ControlError ? err.status : err instanceof SyntaxError ? 400 : 400;
        sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
      }
      return true;
    },
  };
  return router;
}

function split(path: string): string[] {
  return path.split('/').filter((p) => p.length > 0);
}

function findRoute(
  routes: readonly Route[],
  method: string,
  parts: readonly string[],
): { route: Route; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method || route.parts.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = route.parts.every((p, i) => {
      const actual = parts[i] ?? '';
      if (p.startsWith(':')) {
        params[p.slice(1)] = decodeURIComponent(actual);
        return true;
      }
      return p === actual;
    });
    if (ok) return { route, params };
  }
  return undefined;
}

/** Minimal typed client for a control API in another process. */
export interface ControlClient {
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export function createControlClient(baseUrl: string, prefix: string = CONTROL_PREFIX): ControlClient {
  return {
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${baseUrl}${prefix}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? null : jsonStringify(body),
      });
      const text = await res.text();
      const json = text ? (JSON.parse(text) as unknown) : undefined;
      if (!res.ok) {
        const message = (json as { error?: string } | undefined)?.error ?? text;
        throw new ControlError(res.status, `control ${method} ${path} failed: ${message}`);
      }
      return json as T;
    },
  };
}
