import { CaseError } from './cases.errors.js';
import type { ReportCaseInput } from './cases.model.js';

export const MAX_EVIDENCE_URLS = 10;
export const MAX_EVIDENCE_URL_LENGTH = 500;
export const MAX_DESCRIPTION_LENGTH = 2000;

/** Evidence is a bounded list of distinct http(s) URLs (uploaded photos); nothing else is stored. */
export function validEvidence(evidence: readonly string[]): string[] {
  if (evidence.length > MAX_EVIDENCE_URLS) {
    throw new CaseError('INVALID_EVIDENCE', `at most ${MAX_EVIDENCE_URLS} evidence URLs`, {
      max: MAX_EVIDENCE_URLS,
    });
  }
  const urls = evidence.map((raw, index) => {
    const value = raw.trim();
    if (value.length === 0 || value.length > MAX_EVIDENCE_URL_LENGTH) {
      throw new CaseError(
        'INVALID_EVIDENCE',
        `evidence URLs are 1 to ${MAX_EVIDENCE_URL_LENGTH} characters`,
        { index, max: MAX_EVIDENCE_URL_LENGTH },
      );
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new CaseError('INVALID_EVIDENCE', 'evidence must be absolute URLs', { index });
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
      throw new CaseError('INVALID_EVIDENCE', 'evidence URLs must be http(s) without credentials', {
        index,
      });
    }
    return url.toString();
  });
  return [...new Set(urls)];
}

export function validDescription(description: string): string {
  const text = description.trim();
  if (text.length === 0 || text.length > MAX_DESCRIPTION_LENGTH) {
    throw new CaseError(
      'INVALID_CASE_INPUT',
      `a description of 1 to ${MAX_DESCRIPTION_LENGTH} characters is required`,
      { field: 'description', max: MAX_DESCRIPTION_LENGTH },
    );
  }
  return text;
}

/** PARTIAL_REFUND and COUPON name an amount; FULL_REFUND and REDELIVERY must not. */
export function assertRemedyAmount(input: Pick<ReportCaseInput, 'remedy' | 'amount'>): void {
  const needsAmount = input.remedy === 'PARTIAL_REFUND' || input.remedy === 'COUPON';
  const hasAmount = input.amount !== undefined && input.amount !== null;
  if (needsAmount !== hasAmount) {
    throw new CaseError(
      'INVALID_CASE_INPUT',
      needsAmount ? `${input.remedy} needs an amount` : `${input.remedy} takes no amount`,
      { field: 'amount' },
    );
  }
}
