import { storedToken } from './session.js';

/** A GraphQL error as the API reports it: `extensions.code` is what the pages branch on. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface GraphQLBody<T> {
  readonly data?: T | null;
  readonly errors?: readonly { message: string; extensions?: { code?: string } }[];
}

let onUnauthenticated: () => void = () => undefined;

/** Called when the API says the token is no longer good: the shell signs the user out. */
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

export async function gql<T>(
  query: string,
  variables: Record<string, unknown> = {},
  token = storedToken(),
): Promise<T> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json().catch(() => ({}))) as GraphQLBody<T>;
  const first = body.errors?.[0];
  if (first) {
    const code = first.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
    if (code === 'UNAUTHENTICATED') onUnauthenticated();
    throw new ApiError(code, first.message);
  }
  if (!response.ok || !body.data) throw new ApiError('NETWORK', `HTTP ${response.status}`);
  return body.data;
}

export async function devToken(role: string, subject: string): Promise<string> {
  const response = await fetch('/console/dev-token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ role, subject }),
  });
  const body = (await response.json()) as { token?: string; error?: { code: string; message: string } };
  if (!body.token) throw new ApiError(body.error?.code ?? 'BAD_REQUEST', body.error?.message ?? 'refused');
  return body.token;
}

export async function consoleOptions(): Promise<{ devSignIn: boolean }> {
  const response = await fetch('/console/options');
  return response.ok ? ((await response.json()) as { devSignIn: boolean }) : { devSignIn: false };
}

/** Downloads a report the API serves to bearer tokens (a plain link could not carry the token). */
export async function download(path: string, filename: string): Promise<void> {
  const token = storedToken();
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (response.status === 401) onUnauthenticated();
  if (!response.ok)
    throw new ApiError(response.status === 403 ? 'FORBIDDEN' : 'NETWORK', `HTTP ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
