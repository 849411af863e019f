import type { MessageKey } from './i18n.js';
import type { StaffRole } from './session.js';

export interface PageEntry {
  /** First path segment: `#/refunds`. */
  readonly path: string;
  readonly label: MessageKey;
  /** Who sees it in the navigation and may open it (the API checks again, per field). */
  readonly roles: readonly StaffRole[];
}

/** The console's pages by role; the API's `@Authorized` lists are the real gate. */
export const PAGES: readonly PageEntry[] = [
  { path: 'cases', label: 'nav.cases', roles: ['SUPPORT', 'ADMIN'] },
  { path: 'refunds', label: 'nav.refunds', roles: ['SUPPORT', 'FINANCE', 'ADMIN'] },
  { path: 'exceptions', label: 'nav.exceptions', roles: ['SUPPORT', 'FINANCE', 'ADMIN'] },
  { path: 'ledger', label: 'nav.ledger', roles: ['FINANCE', 'ADMIN'] },
  { path: 'recon', label: 'nav.recon', roles: ['FINANCE', 'ADMIN'] },
  { path: 'discrepancies', label: 'nav.discrepancies', roles: ['FINANCE', 'ADMIN'] },
];

export function pagesFor(role: string): readonly PageEntry[] {
  return PAGES.filter((p) => (p.roles as readonly string[]).includes(role));
}
