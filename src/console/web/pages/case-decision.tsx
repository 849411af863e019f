import { useState } from 'preact/hooks';
import { gql, type ApiError } from '../api.js';
import { useI18n, valueLabel } from '../i18n.js';
import { href } from '../router.js';
import { asApiError, ErrorNote, Head, Money, Time, Value, type MoneyShape } from '../ui.js';

export interface CaseDecision {
  readonly id: string;
  readonly seq: number;
  readonly kind: string;
  readonly status: string;
  readonly amount: MoneyShape | null;
  readonly liableParty: string;
  readonly note: string;
  readonly auto: boolean;
  readonly decidedBy: string | null;
  readonly decidedRole: string;
  readonly refundId: string | null;
  readonly couponCode: string | null;
  readonly response: string | null;
  readonly createdAt: string;
  readonly executedAt: string | null;
}

export const DECISION_FIELDS = `id seq kind status amount { minor currency } liableParty note auto decidedBy decidedRole
  refundId couponCode response createdAt executedAt`;

const KINDS = ['PARTIAL_REFUND', 'FULL_REFUND', 'COUPON', 'REDELIVERY', 'REJECT'] as const;
const WITH_AMOUNT: readonly string[] = ['PARTIAL_REFUND', 'COUPON'];
const LIABLE = ['MERCHANT', 'RIDER', 'PLATFORM'] as const;
/** Yuan with at most two decimals, as the API's MoneyInput takes it. */
const YUAN = /^\d{1,9}(\.\d{1,2})?$/;

export function Decisions({ decisions }: { decisions: readonly CaseDecision[] }) {
  const { t } = useI18n();
  if (decisions.length === 0) return <p class="empty">{t('cases.noDecisions')}</p>;
  return (
    <table>
      <Head
        columns={[
          '#',
          t('cases.decision'),
          `#${t('common.amount')}`,
          t('refunds.liable'),
          t('common.status'),
          t('cases.decidedBy'),
          t('cases.note'),
          t('cases.execution'),
        ]}
      />
      <tbody>
        {decisions.map((d) => (
          <tr key={d.id}>
            <td>{d.seq}</td>
            <td>
              <Value value={d.kind} />
              {d.auto && ` (${t('cases.auto')})`}
            </td>
            <td class="num">{d.amount ? <Money value={d.amount} /> : '—'}</td>
            <td>
              <Value value={d.liableParty} />
            </td>
            <td>
              <Value value={d.status} /> {d.response && <Value value={d.response} />}
            </td>
            <td>
              <code>{d.decidedBy ?? '—'}</code> (<Value value={d.decidedRole} />) · <Time iso={d.createdAt} />
            </td>
            <td>{d.note}</td>
            <td>
              {d.refundId && (
                <a href={href(['refunds', d.refundId])}>
                  <code>{d.refundId}</code>
                </a>
              )}
              {d.couponCode && <code>{d.couponCode}</code>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The reviewer's decision; a resubmitted one is the same decision (the API replays it, pays once). */
export function DecisionForm({
  caseId,
  currency,
  decided,
}: {
  caseId: string;
  currency: string;
  decided: () => void;
}) {
  const { t, lang } = useI18n();
  const [kind, setKind] = useState<string>('PARTIAL_REFUND');
  const [amount, setAmount] = useState('');
  const [liable, setLiable] = useState<string>('MERCHANT');
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const needsAmount = WITH_AMOUNT.includes(kind);
  const amountOk = !needsAmount || YUAN.test(amount.trim());
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await gql(
        `mutation($input: DecideCaseInput!) { decideCase(input: $input) { replayed decision { id } } }`,
        {
          input: {
            caseId,
            kind,
            liableParty: liable,
            note: note.trim(),
            amount: needsAmount ? { amount: amount.trim(), currency } : null,
          },
        },
      );
      decided();
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="card"
      aria-labelledby="decide"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 id="decide">{t('cases.decide')}</h2>
      <ErrorNote error={error} />
      <div class="filters">
        <label>
          {t('cases.decision')}
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {valueLabel(lang, k)}
              </option>
            ))}
          </select>
        </label>
        {needsAmount && (
          <label>
            {t('cases.amountYuan')}
            <input
              value={amount}
              inputMode="decimal"
              required
              aria-invalid={amount !== '' && !amountOk}
              onInput={(e) => setAmount(e.currentTarget.value)}
            />
          </label>
        )}
        <label>
          {t('refunds.liable')}
          <select value={liable} onChange={(e) => setLiable(e.currentTarget.value)}>
            {LIABLE.map((l) => (
              <option key={l} value={l}>
                {valueLabel(lang, l)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label>
        {t('cases.note')}
        <textarea rows={2} value={note} required onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={busy || !note.trim() || !amountOk}>
        {t('cases.submitDecision')}
      </button>
    </form>
  );
}
