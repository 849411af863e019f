import { useState } from 'preact/hooks';
import { gql, type ApiError } from '../api.js';
import { useI18n, valueLabel } from '../i18n.js';
import { href } from '../router.js';
import { asApiError, ErrorNote, Head, Time, Value } from '../ui.js';

export interface CaseAppeal {
  readonly id: string;
  readonly decisionId: string;
  readonly appellantRole: string;
  readonly statement: string;
  readonly evidence: readonly string[];
  readonly status: string;
  readonly newLiableParty: string | null;
  readonly reviewNote: string | null;
  readonly reviewedAt: string | null;
  readonly ledgerEntryId: string | null;
  readonly createdAt: string;
}

export interface CaseAuditEntry {
  readonly action: string;
  readonly actorId: string;
  readonly actorRole: string;
  readonly before: string | null;
  readonly after: string | null;
  readonly occurredAt: string;
}

export interface SimilarCase {
  readonly id: string;
  readonly type: string;
  readonly status: string;
  readonly outcome: string | null;
  readonly createdAt: string;
}

export interface SimilarCases {
  readonly customer: readonly SimilarCase[];
  readonly merchant: readonly SimilarCase[];
  readonly rider: readonly SimilarCase[];
}

const SIMILAR = `{ id type status outcome createdAt }`;
/** The case fields this file shows (appended to the case page's query). */
export const REVIEW_FIELDS = `appeals { id decisionId appellantRole statement evidence status newLiableParty
  reviewNote reviewedAt ledgerEntryId createdAt }
  audit { action actorId actorRole before after occurredAt }
  similarCases { customer ${SIMILAR} merchant ${SIMILAR} rider ${SIMILAR} }`;

const LIABLE = ['MERCHANT', 'RIDER', 'PLATFORM'] as const;

/** The liable party's appeals; a pending one gets the second-review form (support, another agent). */
export function Appeals({
  appeals,
  role,
  reviewed,
}: {
  appeals: readonly CaseAppeal[];
  role: string;
  reviewed: () => void;
}) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="appeals">
      <h2 id="appeals">{t('cases.appeals')}</h2>
      {appeals.length === 0 && <p class="empty">{t('cases.noAppeals')}</p>}
      {appeals.map((a) => (
        <div key={a.id} class="card">
          <h3>
            <Value value={a.appellantRole} /> · <Value value={a.status} /> · <Time iso={a.createdAt} />
          </h3>
          <blockquote class="claim">{a.statement}</blockquote>
          {a.evidence.length > 0 && (
            <ul>
              {a.evidence.map((url) => (
                <li key={url}>
                  <a href={url} target="_blank" rel="noopener noreferrer">
                    {url}
                  </a>
                </li>
              ))}
            </ul>
          )}
          {a.reviewedAt && (
            <p class="meta">
              {t('cases.secondReview')}: {a.reviewNote}{' '}
              {a.newLiableParty && (
                <>
                  → <Value value={a.newLiableParty} />
                </>
              )}{' '}
              · <Time iso={a.reviewedAt} /> {a.ledgerEntryId && <code>{a.ledgerEntryId}</code>}
            </p>
          )}
          {a.status === 'PENDING' && role === 'SUPPORT' && <ReviewForm appeal={a} reviewed={reviewed} />}
        </div>
      ))}
    </section>
  );
}

function ReviewForm({ appeal, reviewed }: { appeal: CaseAppeal; reviewed: () => void }) {
  const { t, lang } = useI18n();
  const [overturn, setOverturn] = useState(false);
  const [liable, setLiable] = useState<string>('PLATFORM');
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await gql(
        `mutation($id: ID!, $overturn: Boolean!, $liable: LiableParty, $note: String!) {
          reviewAppeal(appealId: $id, overturn: $overturn, newLiableParty: $liable, note: $note) { id status } }`,
        { id: appeal.id, overturn, liable: overturn ? liable : null, note: note.trim() },
      );
      reviewed();
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      aria-label={t('cases.secondReview')}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <ErrorNote error={error} />
      <fieldset>
        <legend>{t('cases.secondReview')}</legend>
        <label class="inline">
          <input
            type="radio"
            name={`verdict-${appeal.id}`}
            checked={!overturn}
            onChange={() => setOverturn(false)}
          />
          {t('cases.uphold')}
        </label>
        <label class="inline">
          <input
            type="radio"
            name={`verdict-${appeal.id}`}
            checked={overturn}
            onChange={() => setOverturn(true)}
          />
          {t('cases.overturn')}
        </label>
        {overturn && (
          <label class="inline">
            {t('cases.newLiable')}
            <select value={liable} onChange={(e) => setLiable(e.currentTarget.value)}>
              {LIABLE.map((l) => (
                <option key={l} value={l}>
                  {valueLabel(lang, l)}
                </option>
              ))}
            </select>
          </label>
        )}
      </fieldset>
      <label>
        {t('cases.reviewNote')}
        <textarea rows={2} value={note} required onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={busy || !note.trim()}>
        {t('cases.submitReview')}
      </button>
    </form>
  );
}

/** Recent cases of the same customer, merchant and rider, with their outcomes. */
export function Similar({ similar }: { similar: SimilarCases }) {
  const { t } = useI18n();
  const groups = [
    ['refunds.customer', similar.customer],
    ['refunds.merchant', similar.merchant],
    ['cases.rider', similar.rider],
  ] as const;
  return (
    <section aria-labelledby="similar">
      <h2 id="similar">{t('cases.similar')}</h2>
      {groups.map(([label, cases]) => (
        <div key={label}>
          <h3>
            {t(label)} ({cases.length})
          </h3>
          {cases.length === 0 ? (
            <p class="empty">{t('common.none')}</p>
          ) : (
            <ul class="plain">
              {cases.map((c) => (
                <li key={c.id}>
                  <a href={href(['cases', c.id])}>
                    <code>{c.id}</code>
                  </a>{' '}
                  <Value value={c.type} /> · <Value value={c.status} /> · <Value value={c.outcome} /> ·{' '}
                  <Time iso={c.createdAt} />
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
    </section>
  );
}

export function AuditTrail({ entries }: { entries: readonly CaseAuditEntry[] }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="audit">
      <h2 id="audit">{t('cases.audit')}</h2>
      {entries.length === 0 ? (
        <p class="empty">{t('common.none')}</p>
      ) : (
        <table class="audit">
          <Head
            columns={[
              t('refunds.time'),
              t('refunds.actor'),
              t('cases.action'),
              t('refunds.from'),
              t('refunds.to'),
            ]}
          />
          <tbody>
            {entries.map((e, i) => (
              <tr key={i}>
                <td>
                  <Time iso={e.occurredAt} />
                </td>
                <td>
                  <code>{e.actorId}</code> (<Value value={e.actorRole} />)
                </td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>
                  <code class="json">{e.before ?? '—'}</code>
                </td>
                <td>
                  <code class="json">{e.after ?? '—'}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

interface RiskAssessment {
  readonly routing?: string;
  readonly flags?: readonly RiskFlag[];
}

function parseRisk(risk: string | null): RiskAssessment | null {
  try {
    return risk ? (JSON.parse(risk) as RiskAssessment) : null;
  } catch {
    return null;
  }
}

interface RiskFlag {
  readonly id?: string;
  readonly ruleId?: string;
  readonly ruleVersion?: number;
  readonly action?: string;
  readonly mode?: string;
}

/** The risk assessment the review used: the routing and each flag with the rule that raised it. */
export function RiskFlags({ risk }: { risk: string | null }) {
  const { t } = useI18n();
  const parsed = parseRisk(risk);
  const flags = parsed?.flags ?? [];
  return (
    <section aria-labelledby="risk">
      <h2 id="risk">{t('cases.risk')}</h2>
      {!parsed ? (
        <p class="empty">{t('common.none')}</p>
      ) : (
        <>
          <p>
            {t('cases.routing')}: <code>{parsed.routing ?? '—'}</code>
          </p>
          {flags.length === 0 ? (
            <p class="empty">{t('cases.noFlags')}</p>
          ) : (
            <table class="risk">
              <Head columns={[t('cases.flagRule'), t('cases.action'), t('cases.flagMode')]} />
              <tbody>
                {flags.map((f, i) => (
                  <tr key={f.id ?? i}>
                    <td>
                      <code>{`${f.ruleId ?? '?'} v${f.ruleVersion ?? '?'}`}</code>
                    </td>
                    <td>
                      <Value value={f.action ?? null} />
                    </td>
                    <td>
                      <Value value={f.mode ?? null} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
