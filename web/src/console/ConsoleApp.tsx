import { useEffect, useRef, useState, type FormEvent } from 'react';
import { NavLink, Route, Routes, useLocation } from 'react-router';
import { ApiError } from '../shared/api';
import { LangSwitch, useLang, type TextKey } from '../shared/i18n';
import { AccountPage } from './pages/AccountPage';
import { AppealsPage } from './pages/AppealsPage';
import { AuditPage } from './pages/AuditPage';
import { CasePage } from './pages/CasePage';
import { CrmPage } from './pages/CrmPage';
import { OverviewPage } from './pages/OverviewPage';
import { QueuePage } from './pages/QueuePage';
import { RobotsPage } from './pages/RobotsPage';
import { StaffPage } from './pages/StaffPage';
import { TicketsPage } from './pages/TicketsPage';
import { useErrorText } from './ErrorNote';
import { can, SessionGate, signInWith, useApi, useSession, type Principal } from './session';

const NAV: { to: string; key: TextKey; roles?: Principal['role'][] }[] = [
  { to: '/', key: 'queue' },
  { to: '/appeals', key: 'appeals', roles: ['support'] },
  { to: '/tickets', key: 'tickets', roles: ['support'] },
  { to: '/robots', key: 'robots' },
  { to: '/overview', key: 'overview' },
  { to: '/crm', key: 'crm' },
  { to: '/staff', key: 'staff', roles: ['admin'] },
  { to: '/audit', key: 'audit', roles: ['admin'] },
];

function SignIn({ onDone }: { onDone: () => void }) {
  const { t } = useLang();
  const api = useApi();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const errorText = useErrorText();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await signInWith(api, token.trim());
      onDone();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t('wrongToken') : errorText(err));
    }
  }
  return (
    <main id="content">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h1>{t('appName')}</h1>
        <LangSwitch />
      </div>
      <form className="panel" onSubmit={submit} aria-labelledby="signin-title">
        <h2 id="signin-title">{t('signInTitle')}</h2>
        <p className="muted">{t('signInHint')}</p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="row">
          <label style={{ flex: 1 }}>
            {t('token')}
            <input type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} required />
          </label>
          <button className="primary" type="submit">
            {t('signIn')}
          </button>
        </div>
      </form>
    </main>
  );
}

/**
 * After moving to another page: the title says where one is, and focus goes to the page's heading
 * (a screen reader reads it; the keyboard goes on from there), not left on the link pressed.
 */
function useFocusOnNavigation() {
  const location = useLocation();
  const { t } = useLang();
  const first = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every move to another page, which the path names
  useEffect(() => {
    const timer = window.setTimeout(() => {
      const h1 = document.querySelector<HTMLElement>('#content h1');
      document.title = h1?.textContent ? `${h1.textContent} · ${t('appName')}` : t('appName');
      if (first.current) {
        first.current = false;
        if (document.activeElement !== document.body) return;
      }
      if (h1) {
        if (!h1.hasAttribute('tabindex')) h1.setAttribute('tabindex', '-1');
        h1.focus();
      } else document.getElementById('content')?.focus();
    }, 0);
    return () => window.clearTimeout(timer);
  }, [location.pathname, t]);
}

function Shell() {
  const { t } = useLang();
  const { principal, signOut } = useSession();
  useFocusOnNavigation();
  return (
    <>
      <a className="skip" href="#content">
        {t('skip')}
      </a>
      <header className="top">
        <span className="brand">{t('appName')}</span>
        <nav className="main" aria-label="console">
          <ul>
            {NAV.filter((n) => !n.roles || can(principal, ...n.roles)).map((n) => (
              <li key={n.to}>
                <NavLink to={n.to} end={n.to === '/'}>
                  {t(n.key)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="row">
          <span>
            {principal.name} · {t(`role_${principal.role}`)}
          </span>
          <LangSwitch />
          <button type="button" onClick={() => void signOut()} style={{ background: 'transparent' }}>
            {t('signOut')}
          </button>
        </div>
      </header>
      <main id="content" tabIndex={-1}>
        <Routes>
          <Route path="/" element={<QueuePage />} />
          <Route path="/cases/:id" element={<CasePage />} />
          <Route path="/accounts/:id" element={<AccountPage />} />
          <Route path="/appeals" element={<AppealsPage />} />
          <Route path="/tickets" element={<TicketsPage />} />
          <Route path="/robots" element={<RobotsPage />} />
          <Route path="/overview" element={<OverviewPage />} />
          <Route path="/crm" element={<CrmPage />} />
          <Route path="/staff" element={<StaffPage />} />
          <Route path="/audit" element={<AuditPage />} />
          <Route path="*" element={<p>{t('notFound')}</p>} />
        </Routes>
      </main>
    </>
  );
}

export function ConsoleApp() {
  return (
    <SessionGate signIn={(onDone) => <SignIn onDone={onDone} />}>
      <Shell />
    </SessionGate>
  );
}
