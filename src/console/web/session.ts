/** The bearer token lives in this tab's sessionStorage only: never in a URL, gone with the tab. */
const TOKEN_KEY = 'console.token';

export type StaffRole = 'SUPPORT' | 'FINANCE' | 'ADMIN';
export const STAFF_ROLES: readonly StaffRole[] = ['SUPPORT', 'FINANCE', 'ADMIN'];

export interface Viewer {
  readonly subject: string;
  readonly role: string;
}

export function isStaff(role: string): role is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(role);
}

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}
