import type { Actor } from '../audit/index.js';
import { Role, type Viewer } from '../auth/index.js';
import { sqlOnPool, type Orm } from '../db/index.js';
import type { Logger } from '../logging/index.js';
import type { PaymentsService } from '../payments/index.js';
import { CaseError } from './cases.errors.js';
import type { CaseView, ReportCaseInput } from './cases.model.js';
import { insertCase, prepareCase, type CaseOrigin } from './case.report.js';
import { toCaseView, type CaseRow } from './case.row.js';
import type { CaseRuleStore } from './case-rules.store.js';
import type { RiskPort } from './risk.port.js';

export interface CasesDeps {
  readonly orm: Orm;
  readonly payments: PaymentsService;
  readonly rules: CaseRuleStore;
  readonly risk: RiskPort;
  readonly logger: Logger;
  /** The clock (tests move it); defaults to the system time. */
  readonly now?: () => Date;
}

/** Who may see a case: its customer, the merchant or rider it holds liable, and the back office. */
export function mayViewCase(viewer: Viewer, view: CaseView): boolean {
  switch (viewer.role) {
    case Role.SUPPORT:
    case Role.ADMIN:
    case Role.FINANCE:
      return true;
    case Role.CUSTOMER:
      return view.customerId === viewer.subject;
    case Role.MERCHANT:
      return view.liableKind === 'MERCHANT' && view.merchantId === viewer.subject;
    case Role.RIDER:
      return view.liableKind === 'RIDER' && view.riderId === viewer.subject;
    case Role.SERVICE:
      return false;
  }
}

/** After-sales cases: reports, review, decisions and their execution (see src/cases/README.md). */
export class CasesService {
  constructor(private readonly deps: CasesDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** A customer reports a problem with one of their orders (channel APP). */
  async report(input: ReportCaseInput, actor: Actor): Promise<CaseView> {
    return this.open(input, { customerId: actor.id, channel: 'APP', actor });
  }

  /** Support opens a case for a customer who called the hotline (channel PHONE, the agent reports). */
  async openOnBehalf(input: ReportCaseInput, customerId: string, actor: Actor): Promise<CaseView> {
    return this.open(input, { customerId, channel: 'PHONE', actor });
  }

  private async open(input: ReportCaseInput, origin: CaseOrigin): Promise<CaseView> {
    const rules = await this.deps.rules.current();
    const prepared = await prepareCase(this.deps, rules, input, origin, this.now());
    const view = await insertCase(this.deps.orm, prepared.row, origin.actor);
    this.deps.logger.info(
      { caseId: view.id, type: view.type, channel: view.channel, severity: view.severity },
      'case opened',
    );
    return view;
  }

  async get(caseId: string): Promise<CaseView | null> {
    const [row] = await sqlOnPool(this.deps.orm).prepared<CaseRow>(
      `select * from after_sales_case where id = $1`,
      [caseId],
    );
    return row ? toCaseView(row) : null;
  }

  /** The case if the viewer may see it; otherwise CASE_NOT_FOUND, exactly as for a missing one. */
  async getFor(viewer: Viewer, caseId: string): Promise<CaseView> {
    const view = await this.get(caseId);
    if (!view || !mayViewCase(viewer, view))
      throw new CaseError('CASE_NOT_FOUND', `case ${caseId} is unknown`);
    return view;
  }

  /** A customer's own cases, newest first (keyset pages). */
  async listForCustomer(
    customerId: string,
    limit: number,
    after: { createdAt: string; id: string } | null,
  ): Promise<CaseView[]> {
    const rows = await sqlOnPool(this.deps.orm).rows<CaseRow>(
      `select * from after_sales_case
        where customer_id = $1 and ($2::timestamptz is null or (created_at, id) < ($2::timestamptz, $3))
        order by created_at desc, id desc limit $4`,
      [customerId, after?.createdAt ?? null, after?.id ?? '', limit],
    );
    return rows.map(toCaseView);
  }
}
