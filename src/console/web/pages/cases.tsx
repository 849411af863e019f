import { useState } from 'preact/hooks';
import { useI18n } from '../i18n.js';
import { navigate, type Route } from '../router.js';
import { CaseQueue } from './case-queue.js';
import { CasePage } from './case.js';

/** `#/cases`: the lookup by id and the queue; `#/cases/<id>`: the case page. */
export function CasesPage({ route, role, subject }: { route: Route; role: string; subject: string }) {
  const id = route.segments[1];
  return id ? (
    <CasePage id={id} role={role} subject={subject} />
  ) : (
    <>
      <CaseLookup />
      <CaseQueue route={route} role={role} subject={subject} />
    </>
  );
}

function CaseLookup() {
  const { t } = useI18n();
  const [typed, setTyped] = useState('');
  return (
    <>
      <h1>{t('cases.title')}</h1>
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (typed.trim()) navigate(['cases', typed.trim()]);
        }}
      >
        <label>
          {t('cases.lookup')}
          <input
            name="case"
            value={typed}
            onInput={(e) => setTyped(e.currentTarget.value)}
            autoComplete="off"
          />
        </label>
        <button type="submit">{t('common.search')}</button>
      </form>
    </>
  );
}
