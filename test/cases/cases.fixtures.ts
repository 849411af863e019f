import type { TestApp } from '../support/app.js';

export const CASE_FIELDS = `id orderId customerId type channel status severity reporterRole reporterId evidence
  requestedRemedy requestedAmount { amount minor currency } classification { ruleId version }
  latenessSeconds claimDelaySeconds assigneeId outcome liableParty autoDecided createdAt resolvedAt`;

export interface CaseShape {
  id: string;
  orderId: string;
  customerId: string;
  type: string;
  channel: string;
  status: string;
  severity: string | null;
  reporterRole: string;
  reporterId: string | null;
  evidence: string[];
  requestedRemedy: string;
  requestedAmount: { amount: string; minor: string; currency: string } | null;
  classification: { ruleId: string; version: number } | null;
  latenessSeconds: number | null;
  claimDelaySeconds: number | null;
  assigneeId: string | null;
  outcome: string | null;
  liableParty: string | null;
  autoDecided: boolean;
  createdAt: string;
  resolvedAt: string | null;
}

export const customer = (sub: string) => ({ role: 'CUSTOMER', sub }) as const;

export interface ReportArgs {
  orderId: string;
  type?: string;
  description?: string;
  evidence?: string[];
  remedy?: string;
  amount?: string | null;
}

export function reportCase(t: TestApp, customerId: string, args: ReportArgs) {
  return t.gql<{ reportCase: CaseShape }>(
    `mutation($input: ReportCaseInput!) { reportCase(input: $input) { ${CASE_FIELDS} } }`,
    {
      input: {
        orderId: args.orderId,
        type: args.type ?? 'DAMAGED',
        description: args.description ?? 'the soup was spilled all over the bag',
        evidence: args.evidence ?? ['https://img.example.com/spill-1.jpg'],
        remedy: args.remedy ?? 'FULL_REFUND',
        amount: args.amount ? { amount: args.amount, currency: 'CNY' } : null,
      },
    },
    customer(customerId),
  );
}

export const codeOf = (res: { errors?: readonly { extensions?: Record<string, unknown> }[] | undefined }) =>
  res.errors?.[0]?.extensions?.['code'];
