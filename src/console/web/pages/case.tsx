import { useEffect, useState } from 'preact/hooks';
import { gql, type ApiError } from '../api.js';
import { useI18n } from '../i18n.js';
import { href } from '../router.js';
import {
  asApiError,
  ErrorNote,
  Field,
  Loading,
  Money,
  Time,
  useAsync,
  Value,
  type MoneyShape,
} from '../ui.js';
import { DecisionForm, Decisions, DECISION_FIELDS, type CaseDecision } from './case-decision.js';
import {
  Appeals,
  AuditTrail,
  REVIEW_FIELDS,
  RiskFlags,
  Similar,
  type CaseAppeal,
  type CaseAuditEntry,
  type SimilarCases,
} from './case-review.js';
import { EventTable, type RefundEvent } from './refund-detail.js';

interface RuleRef {
  readonly ruleId: string;
  readonly version: number;
  readonly figures: string | null;
}

interface CaseView {
  readonly id: string;
  readonly orderId: string;
  readonly customerId: string;
  readonly merchantId: string;
  readonly riderId: string | null;
  readonly type: string;
  readonly channel: string;
  readonly status: string;
  readonly severity: string | null;
  readonly reporterRole: string;
  readonly reporterId: string | null;
  readonly description: string;
  readonly evidence: readonly string[];
  readonly requestedRemedy: string;
  readonly requestedAmount: MoneyShape | null;
  readonly orderTotal: MoneyShape;
  readonly latenessSeconds: number | null;
  readonly claimDelaySeconds: number | null;
  readonly classification: RuleRef | null;
  readonly review: RuleRef | null;
  readonly risk: string | null;
  readonly assigneeId: string | null;
  readonly outcome: string | null;
  readonly liableParty: string | null;
  readonly autoDecided: boolean;
  readonly createdAt: string;
  readonly firstReviewedAt: string | null;
  readonly resolvedAt: string | null;
  readonly decisions: readonly CaseDecision[];
  readonly appeals: readonly CaseAppeal[];
  readonly audit: readonly CaseAuditEntry[] | null;
  readonly similarCases: SimilarCases | null;
}

interface OrderView {
  readonly id: string;
  readonly deliveryStatus: string;
  readonly promisedAt: string | null;
  readonly deliveredAt: string | null;
  readonly refundStatus: string;
  readonly total: MoneyShape;
  readonly payments: readonly {
    id: string;
    channel: string;
    outTradeNo: string;
    amount: MoneyShape;
    refundable: MoneyShape;
    capturedAt: string;
  }[];
  readonly refunds: readonly {
    id: string;
    status: string;
    amount: MoneyShape;
    reason: string;
    caseId: string | null;
    createdAt: string;
    events: readonly RefundEvent[];
  }[];
}

const M = `{ minor currency }`;
const RULE = `{ ruleId version figures }`;
const CASE = `query($id: ID!) { case(id: $id) {
  id orderId customerId merchantId riderId type channel status severity reporterRole reporterId description
  evidence requestedRemedy requestedAmount ${M} orderTotal ${M} latenessSeconds claimDelaySeconds
  classification ${RULE} review ${RULE} risk assigneeId outcome liableParty autoDecided createdAt
  firstReviewedAt resolvedAt decisions { ${DECISION_FIELDS} } ${REVIEW_FIELDS}
} }`;
const ORDER = `query($id: ID!) { order(id: $id) {
  id deliveryStatus promisedAt deliveredAt refundStatus total ${M}
  payments { id channel outTradeNo amount ${M} refundable ${M} capturedAt }
  refunds { id status amount ${M} reason caseId createdAt
    events { id fromStatus toStatus source actorId actorRole occurredAt detail } }
} }`;

/** Everything a reviewer needs on one page: the claim, the order and its money, the rules' figures. */
export function CasePage({ id, role, subject }: { id: string; role: string; subject: string }) {
  const { t } = useI18n();
  const loaded = useAsync(async () => {
    const { case: found } = await gql<{ case: CaseView | null }>(CASE, { id });
    const order = found ? (await gql<{ order: OrderView | null }>(ORDER, { id: found.orderId })).order : null;
    return { found, order };
  }, [id]);
  const c = loaded.data?.found;
  const inFlight =
    c?.status === 'EXECUTING' ||
    (loaded.data?.order?.refunds.some(
      (r) => r.caseId === id && ['PENDING', 'PROCESSING'].includes(r.status),
    ) ??
      false);
  // While the decision's refund is on its way, follow it without a reload button.
  useEffect(() => {
    if (!inFlight || loaded.loading) return;
    const timer = setTimeout(loaded.reload, 1_500);
    return () => clearTimeout(timer);
  }, [inFlight, loaded.loading, loaded.reload]);
  return (
    <>
      <h1>
        {t('cases.case')} <code>{id}</code>
      </h1>
      <Loading when={loaded.loading} />
      <ErrorNote error={loaded.error} />
      {loaded.data && !c && <p class="empty">{t('cases.notFound')}</p>}
      {c && <CaseFacts c={c} />}
      {c && <Claim c={c} />}
      {c && (
        <section aria-labelledby="decisions">
          <h2 id="decisions">{t('cases.decisions')}</h2>
          <Decisions decisions={c.decisions} />
          {c.status === 'IN_REVIEW' && role === 'SUPPORT' && c.assigneeId !== subject && (
            <TakeCase caseId={c.id} taken={loaded.reload} />
          )}
          {c.status === 'IN_REVIEW' && role === 'SUPPORT' && (
            <DecisionForm caseId={c.id} currency={c.orderTotal.currency} decided={loaded.reload} />
          )}
        </section>
      )}
      {c && <Appeals appeals={c.appeals} role={role} reviewed={loaded.reload} />}
      {loaded.data?.order && <OrderMoney order={loaded.data.order} />}
      {c && <RiskFlags risk={c.risk} />}
      {c?.similarCases && <Similar similar={c.similarCases} />}
      {c && <Rules c={c} />}
      {c?.audit && <AuditTrail entries={c.audit} />}
    </>
  );
}

function TakeCase({ caseId, taken }: { caseId: string; taken: () => void }) {
  const { t } = useI18n();
  const [error, setError] = useState<ApiError | undefined>();
  return (
    <div class="actions">
      <ErrorNote error={error} />
      <button
        type="button"
        onClick={() =>
          void gql(`mutation($id: ID!) { takeCase(caseId: $id) { id } }`, { id: caseId }).then(
            taken,
            (e: unknown) => setError(asApiError(e)),
          )
        }
      >
        {t('cases.take')}
      </button>
    </div>
  );
}

function CaseFacts({ c }: { c: CaseView }) {
  const { t } = useI18n();
  return (
    <dl class="facts">
      <Field label={t('common.status')}>
        <Value value={c.status} />
      </Field>
      <Field label={t('cases.type')}>
        <Value value={c.type} />
      </Field>
      <Field label={t('cases.severity')}>
        <Value value={c.severity} />
      </Field>
      <Field label={t('cases.remedy')}>
        <Value value={c.requestedRemedy} /> {c.requestedAmount && <Money value={c.requestedAmount} />}
      </Field>
      <Field label={t('refunds.order')}>
        <a href={href(['refunds'], { q: c.orderId })}>
          <code>{c.orderId}</code>
        </a>{' '}
        <Money value={c.orderTotal} />
      </Field>
      <Field label={t('refunds.customer')}>
        <code>{c.customerId}</code>
      </Field>
      <Field label={t('refunds.merchant')}>
        <code>{c.merchantId}</code>
      </Field>
      <Field label={t('cases.rider')}>
        <code>{c.riderId ?? '—'}</code>
      </Field>
      <Field label={t('cases.reporter')}>
        <Value value={c.reporterRole} /> {c.reporterId && <code>{c.reporterId}</code>} ·{' '}
        <Value value={c.channel} />
      </Field>
      <Field label={t('cases.assignee')}>
        <code>{c.assigneeId ?? '—'}</code>
      </Field>
      <Field label={t('cases.lateness')}>{minutes(c.latenessSeconds)}</Field>
      <Field label={t('cases.claimDelay')}>{minutes(c.claimDelaySeconds)}</Field>
      <Field label={t('common.createdAt')}>
        <Time iso={c.createdAt} />
      </Field>
      <Field label={t('cases.firstReviewed')}>
        <Time iso={c.firstReviewedAt} />
      </Field>
      <Field label={t('cases.outcome')}>
        <Value value={c.outcome} /> {c.liableParty && <Value value={c.liableParty} />}
        {c.autoDecided && ` (${t('cases.auto')})`}
      </Field>
      <Field label={t('cases.resolvedAt')}>
        <Time iso={c.resolvedAt} />
      </Field>
    </dl>
  );
}

function minutes(seconds: number | null): string {
  return seconds === null ? '—' : `${Math.round(seconds / 60)} min`;
}

function Claim({ c }: { c: CaseView }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="claim">
      <h2 id="claim">{t('cases.description')}</h2>
      <blockquote class="claim">{c.description}</blockquote>
      <h3>{t('cases.evidence')}</h3>
      {c.evidence.length === 0 ? (
        <p class="empty">{t('cases.noEvidence')}</p>
      ) : (
        <ul>
          {c.evidence.map((url) => (
            <li key={url}>
              <a href={url} target="_blank" rel="noopener noreferrer">
                {url}
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function OrderMoney({ order }: { order: OrderView }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="order-money">
      <h2 id="order-money">
        {t('refunds.order')} · <Value value={order.deliveryStatus} /> · <Value value={order.refundStatus} />
      </h2>
      <p class="meta">
        {t('cases.promised')} <Time iso={order.promisedAt} /> · {t('cases.delivered')}{' '}
        <Time iso={order.deliveredAt} />
      </p>
      <ul class="plain">
        {order.payments.map((p) => (
          <li key={p.id}>
            {t('refunds.payment')} <code>{p.outTradeNo}</code> <Value value={p.channel} />{' '}
            <Money value={p.amount} /> · {t('refunds.refundable')} <Money value={p.refundable} /> ·{' '}
            <Time iso={p.capturedAt} />
          </li>
        ))}
      </ul>
      {order.refunds.length === 0 && <p class="empty">{t('cases.noRefunds')}</p>}
      {order.refunds.map((r) => (
        <div key={r.id} class="card">
          <h3>
            <a href={href(['refunds', r.id])}>
              <code>{r.id}</code>
            </a>{' '}
            <Value value={r.status} /> <Money value={r.amount} />
          </h3>
          <p class="meta">
            {r.reason} · <Time iso={r.createdAt} />
          </p>
          <EventTable events={r.events} />
        </div>
      ))}
    </section>
  );
}

function Rules({ c }: { c: CaseView }) {
  const { t } = useI18n();
  const rules = [
    [t('cases.classification'), c.classification],
    [t('cases.review'), c.review],
  ] as const;
  return (
    <section aria-labelledby="rules">
      <h2 id="rules">{t('cases.rules')}</h2>
      {rules.map(([label, rule]) => (
        <p key={label}>
          {label}: {rule ? <code>{`${rule.ruleId} v${rule.version}`}</code> : '—'}
          {rule?.figures && <pre class="json">{pretty(rule.figures)}</pre>}
        </p>
      ))}
    </section>
  );
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}
