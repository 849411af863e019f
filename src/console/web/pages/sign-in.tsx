import { useEffect, useState } from 'preact/hooks';
import { ApiError, consoleOptions, devToken, gql } from '../api.js';
import { useI18n, valueLabel } from '../i18n.js';
import { forgetToken, isStaff, STAFF_ROLES, storeToken, type Viewer } from '../session.js';

const VIEWER = `query { viewer { subject role } }`;

/** Verifies a token with the API and keeps it only if it belongs to staff. */
async function signInWith(token: string): Promise<Viewer | 'invalid' | 'not-staff'> {
  try {
    const { viewer } = await gql<{ viewer: Viewer }>(VIEWER, {}, token);
    if (!isStaff(viewer.role)) return 'not-staff';
    storeToken(token);
    return viewer;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') return 'invalid';
    throw error;
  }
}

export function SignIn({ onSignedIn }: { onSignedIn: (viewer: Viewer) => void }) {
  const { t, lang } = useI18n();
  const [devSignIn, setDevSignIn] = useState(false);
  const [role, setRole] = useState<string>('SUPPORT');
  const [subject, setSubject] = useState('agent_1');
  const [pasted, setPasted] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void consoleOptions().then((o) => setDevSignIn(o.devSignIn));
  }, []);

  const attempt = async (token: () => Promise<string>) => {
    setBusy(true);
    setProblem(undefined);
    forgetToken();
    try {
      const outcome = await signInWith(await token());
      if (outcome === 'invalid') setProblem(t('signIn.invalid'));
      else if (outcome === 'not-staff') setProblem(t('signIn.staffOnly'));
      else onSignedIn(outcome);
    } catch (error) {
      setProblem(`${t('common.error')}: ${error instanceof ApiError ? error.code : String(error)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1>{t('signIn.title')}</h1>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {devSignIn && (
        <form
          class="card"
          aria-labelledby="dev-sign-in"
          onSubmit={(e) => {
            e.preventDefault();
            void attempt(() => devToken(role, subject));
          }}
        >
          <h2 id="dev-sign-in">{t('signIn.devTitle')}</h2>
          <p class="hint">{t('signIn.devHint')}</p>
          <label>
            {t('signIn.role')}
            <select value={role} onChange={(e) => setRole(e.currentTarget.value)}>
              {[...STAFF_ROLES, 'CUSTOMER'].map((r) => (
                <option key={r} value={r}>
                  {valueLabel(lang, r)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('signIn.subject')}
            <input value={subject} required onInput={(e) => setSubject(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={busy}>
            {t('signIn.devSubmit')}
          </button>
        </form>
      )}
      <form
        class="card"
        aria-labelledby="token-sign-in"
        onSubmit={(e) => {
          e.preventDefault();
          void attempt(async () => pasted.trim());
        }}
      >
        <h2 id="token-sign-in">{t('signIn.tokenTitle')}</h2>
        <label>
          {t('signIn.token')}
          <textarea
            rows={4}
            value={pasted}
            required
            autoComplete="off"
            spellcheck={false}
            onInput={(e) => setPasted(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          {t('signIn.submit')}
        </button>
        <p class="hint">{t('signIn.sessionNote')}</p>
      </form>
    </main>
  );
}
