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

export const DECISION_FIELDS = `id seq kind amount { minor } liableParty status response refundId couponCode auto
  rule { ruleId version figures } decidedRole decidedBy`;

export interface DecisionShape {
  id: string;
  seq: number;
  kind: string;
  amount: { minor: string } | null;
  liableParty: string;
  status: string;
  response: string | null;
  refundId: string | null;
  couponCode: string | null;
  auto: boolean;
  rule: { ruleId: string; version: number; figures: string | null } | null;
  decidedRole: string;
  decidedBy: string | null;
}

export interface DecidePayload {
  case: CaseShape;
  decision: DecisionShape;
  replayed: boolean;
}

export function decideCase(
  t: TestApp,
  input: { caseId: string; kind: string; amount?: string; liableParty?: string; note?: string },
  who: { role: string; sub: string } = { role: 'SUPPORT', sub: 'agent_1' },
) {
  return t.gql<{ decideCase: DecidePayload }>(
    `mutation($input: DecideCaseInput!) { decideCase(input: $input) {
       replayed case { ${CASE_FIELDS} } decision { ${DECISION_FIELDS} } } }`,
    {
      input: {
        caseId: input.caseId,
        kind: input.kind,
        amount: input.amount ? { amount: input.amount, currency: 'CNY' } : null,
        liableParty: input.liableParty ?? 'MERCHANT',
        note: input.note ?? 'checked the photos',
      },
    },
    who as never,
  );
}

export function respond(t: TestApp, customerId: string, caseId: string, accept: boolean) {
  return t.gql<{ respondToCaseProposal: DecidePayload }>(
    `mutation($id: ID!, $accept: Boolean!) { respondToCaseProposal(caseId: $id, accept: $accept) {
       case { ${CASE_FIELDS} } decision { ${DECISION_FIELDS} } } }`,
    { id: caseId, accept },
    customer(customerId),
  );
}

export type CaseWithDecisions = CaseShape & { decisions: DecisionShape[] };

/** Polls the case (as support) until `done` holds (real time, bounded). */
export async function waitForCase(
  t: TestApp,
  caseId: string,
  done: (c: CaseWithDecisions) => boolean,
  timeoutMs = 20_000,
): Promise<CaseWithDecisions> {
  const deadline = Date.now() + timeoutMs;
  let last: CaseWithDecisions | undefined;
  while (Date.now() < deadline) {
    const res = await t.gql<{ case: CaseWithDecisions | null }>(
      `query($id: ID!) { case(id: $id) { ${CASE_FIELDS} decisions { ${DECISION_FIELDS} } } }`,
      { id: caseId },
      { role: 'SUPPORT', sub: 'agent_1' },
    );
    last = res.data?.case ?? undefined;
    if (last && done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`case ${caseId} did not reach the expected state; last: ${JSON.stringify(last)}`);
}

export async function notificationKinds(t: TestApp, who: { role: string; sub: string }): Promise<string[]> {
  const res = await t.gql<{ myNotifications: { edges: { node: { kind: string } }[] } }>(
    `{ myNotifications(first: 50) { edges { node { kind } } } }`,
    undefined,
    who as never,
  );
  return res.data!.myNotifications.edges.map((e) => e.node.kind).sort();
}
