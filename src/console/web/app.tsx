import { useEffect, useMemo, useState } from 'preact/hooks';
import { gql, whenUnauthenticated } from './api.js';
import { I18n, initialLang, rememberLang, translator, useI18n, valueLabel, type Lang } from './i18n.js';
import { CasesPage } from './pages/cases.js';
import { ExceptionsPage } from './pages/exceptions.js';
import { LedgerPage } from './pages/ledger.js';
import { DiscrepanciesPage, ReconPage } from './pages/recon.js';
import { RefundsPage } from './pages/refunds.js';
import { SignIn } from './pages/sign-in.js';
import { pagesFor } from './pages.js';
import { href, useRoute, type Route } from './router.js';
import { forgetToken, isStaff, storedToken, type Viewer } from './session.js';

export function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const i18n = useMemo(() => ({ lang, t: translator(lang) }), [lang]);
  const [viewer, setViewer] = useState<Viewer | null | undefined>(storedToken() ? undefined : null);
  useEffect(() => {
    rememberLang(lang);
    document.title = i18n.t('appTitle');
  }, [lang, i18n]);
  useEffect(() => {
    whenUnauthenticated(() => {
      forgetToken();
      setViewer(null);
    });
    if (viewer !== undefined) return;
    // A token from earlier in this tab: ask the API who it is (it may have expired).
    gql<{ viewer: Viewer }>(`query { viewer { subject role } }`).then(
      ({ viewer: v }) => {
        if (!isStaff(v.role)) forgetToken();
        setViewer(isStaff(v.role) ? v : null);
      },
      () => setViewer(null),
    );
  }, [viewer]);
  const signOut = () => {
    forgetToken();
    setViewer(null);
  };
  return (
    <I18n.Provider value={i18n}>
      <a class="skip" href="#main" onClick={skipToMain}>
        {i18n.t('skipToContent')}
      </a>
      <header class="top">
        <span class="brand">{i18n.t('appTitle')}</span>
        {viewer && <Navigation role={viewer.role} />}
        <div class="session">
          {viewer && (
            <span class="viewer">
              {i18n.t('signedInAs')} <code>{viewer.subject}</code> ({valueLabel(lang, viewer.role)})
            </span>
          )}
          <button
            type="button"
            lang={lang === 'zh' ? 'en' : 'zh-CN'}
            onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}
          >
            {i18n.t('switchLanguage')}
          </button>
          {viewer && (
            <button type="button" onClick={signOut}>
              {i18n.t('signOut')}
            </button>
          )}
        </div>
      </header>
      {viewer === null && <SignIn onSignedIn={setViewer} />}
      {viewer && <Signed viewer={viewer} />}
    </I18n.Provider>
  );
}

/** Hash routing owns `#…`, so the skip link moves focus itself. */
function skipToMain(event: Event) {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

function Navigation({ role }: { role: string }) {
  const { t } = useI18n();
  const route = useRoute();
  return (
    <nav aria-label={t('navigation')}>
      <ul>
        {pagesFor(role).map((p) => (
          <li key={p.path}>
            <a href={href([p.path])} aria-current={route.segments[0] === p.path ? 'page' : undefined}>
              {t(p.label)}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Signed({ viewer }: { viewer: Viewer }) {
  const route = useRoute();
  const pages = pagesFor(viewer.role);
  const path = route.segments[0] ?? pages[0]?.path;
  return (
    <main id="main" tabIndex={-1}>
      <PageFor path={path} route={route} viewer={viewer} allowed={pages.some((p) => p.path === path)} />
    </main>
  );
}

function PageFor({
  path,
  route,
  viewer,
  allowed,
}: {
  path: string | undefined;
  route: Route;
  viewer: Viewer;
  allowed: boolean;
}) {
  const { role } = viewer;
  const { t } = useI18n();
  if (!allowed) {
    return (
      <p class="error" role="alert">
        {t('access.denied')}
      </p>
    );
  }
  switch (path ?? '') {
    case 'cases':
      return <CasesPage route={route} role={role} subject={viewer.subject} />;
    case 'refunds':
      return <RefundsPage route={route} role={role} />;
    case 'exceptions':
      return <ExceptionsPage route={route} />;
    case 'ledger':
      return <LedgerPage route={route} />;
    case 'recon':
      return <ReconPage route={route} />;
    case 'discrepancies':
      return <DiscrepanciesPage route={route} />;
    default:
      return null;
  }
}
