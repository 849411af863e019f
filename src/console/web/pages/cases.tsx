import { useState } from 'preact/hooks';
import { useI18n } from '../i18n.js';
import { navigate, type Route } from '../router.js';
import { CasePage } from './case.js';

export function CasesPage({ route, role }: { route: Route; role: string }) {
  const id = route.segments[1];
  return id ? <CasePage id={id} role={role} /> : <CaseLookup />;
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
