/**
 * The app shell: signs the user in, lays out navigation by role, and routes.
 * Routes (docs/ARCHITECTURE.md): /login, /queue, /tasks/:id, /accounts, /accounts/:id, /team,
 * /analytics, /library, /definitions/:id.
 */
import { lazy, Suspense, useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { api, ApiError, setUnauthorizedHandler } from '../api.js';
import { AuthContext, canWork, isLeader, type Me } from './auth.js';
import { humanize } from './format.js';
import { Link, matchPath, navigate, Redirect, useLocation } from './router.js';
import { Empty, ErrorBox, Loading, ToastProvider } from './ui.js';
import { LoginPage } from './LoginPage.js';
import { Logo } from './Logo.js';
import { QueuePage } from './QueuePage.js';
import { TaskPage } from './TaskPage.js';
import { AccountsPage } from './AccountsPage.js';
import { AccountPage } from './AccountPage.js';
import { PasswordDialog } from './PasswordDialog.js';

// The designer (library, graph and journey editors, editor/src/designer/) loads on demand:
// React Flow and the rule builder stay out of the CSM's first page load.
const LibraryPage = lazy(() => import('../designer/index.js').then((m) => ({ default: m.LibraryPage })));
const DefinitionPage = lazy(() => import('../designer/index.js').then((m) => ({ default: m.DefinitionPage })));
// The charts (recharts) load with the pages that draw them.
const TeamPage = lazy(() => import('./TeamPage.js').then((m) => ({ default: m.TeamPage })));
const AnalyticsPage = lazy(() => import('./AnalyticsPage.js').then((m) => ({ default: m.AnalyticsPage })));

/**
 * Whether this browser signed in (the session cookie itself is httpOnly). Without it the app
 * goes straight to sign-in instead of asking /api/auth/me for a certain 401.
 */
const SESSION_HINT = 'waymark.signedIn';

function sessionHint(): boolean {
  try { return window.localStorage.getItem(SESSION_HINT) === '1'; } catch { return true; }
}

function setSessionHint(on: boolean): void {
  try {
    if (on) window.localStorage.setItem(SESSION_HINT, '1');
    else window.localStorage.removeItem(SESSION_HINT);
  } catch { /* storage disabled: the app then always asks the server */ }
}

export function homeFor(user: Me): string {
  if (user.roles.includes('csm')) return '/queue';
  if (isLeader(user)) return '/team';
  return '/accounts';
}

export function App() {
  const [user, setUser] = useState<Me | null | undefined>(undefined);
  const [bootError, setBootError] = useState<ApiError | null>(null);
  const loc = useLocation();

  const loadMe = useCallback(() => {
    setBootError(null);
    if (!sessionHint()) {
      setUser(null);
      return;
    }
    api.get<{ user: Me }>('/api/auth/me').then(
      (r) => setUser(r.user),
      (e: unknown) => {
        if (e instanceof ApiError && e.status === 401) { setSessionHint(false); setUser(null); }
        else setBootError(e instanceof ApiError ? e : new ApiError(0, String(e)));
      },
    );
  }, []);
  useEffect(loadMe, [loadMe]);

  // Leaders open Team and Analytics next: fetch and evaluate their code (and the chart
  // library) while the first page settles, so opening them waits only for their data.
  useEffect(() => {
    if (!user || !(isLeader(user) || !canWork(user))) return;
    const t = setTimeout(() => { void import('./AnalyticsPage.js'); void import('./TeamPage.js'); }, 300);
    return () => clearTimeout(t);
  }, [user]);

  // A session that expires mid-use sends the user back to sign in, then to where they were.
  useEffect(() => {
    setUnauthorizedHandler(() => {
      setSessionHint(false);
      setUser(null);
      const here = window.location.pathname + window.location.search;
      if (window.location.pathname !== '/login') navigate('/login?next=' + encodeURIComponent(here), { replace: true });
    });
  }, []);

  const signOut = useCallback(async () => {
    try { await api.post('/api/auth/logout'); } catch { /* signed out either way */ }
    setSessionHint(false);
    setUser(null);
    navigate('/login', { replace: true });
  }, []);

  if (bootError) return <main className="wm-login"><div className="wm-login-card"><ErrorBox error={bootError} onRetry={loadMe} /></div></main>;
  if (user === undefined) return <Loading label="Starting Waymark…" />;
  if (user === null) {
    if (loc.pathname !== '/login') {
      return <Redirect to={'/login' + (loc.pathname !== '/' ? '?next=' + encodeURIComponent(loc.pathname + (loc.href.includes('?') ? '?' + loc.search.toString() : '')) : '')} />;
    }
    return <LoginPage onSignedIn={(u) => {
      setSessionHint(true);
      setUser(u);
      const next = loc.search.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : homeFor(u), { replace: true });
    }} />;
  }
  if (loc.pathname === '/login' || loc.pathname === '/') return <Redirect to={homeFor(user)} />;

  return (
    <AuthContext.Provider value={{ user, signOut }}>
      <ToastProvider>
        <Shell user={user} pathname={loc.pathname} onSignOut={signOut}>
          <Routes pathname={loc.pathname} user={user} />
        </Shell>
      </ToastProvider>
    </AuthContext.Provider>
  );
}

function Routes({ pathname, user }: { pathname: string; user: Me }) {
  let m: Record<string, string> | null;
  if (matchPath('/queue', pathname)) return canWork(user) ? <QueuePage /> : <Forbidden />;
  if ((m = matchPath('/tasks/:id', pathname))) return <TaskPage key={m.id} id={m.id} />;
  if (matchPath('/accounts', pathname)) return <AccountsPage />;
  if ((m = matchPath('/accounts/:id', pathname))) return <AccountPage key={m.id} id={m.id} />;
  if (matchPath('/team', pathname)) return isLeader(user) || !canWork(user) ? <Suspense fallback={<Loading />}><TeamPage /></Suspense> : <Forbidden />;
  if (matchPath('/analytics', pathname)) return <Suspense fallback={<Loading />}><AnalyticsPage /></Suspense>;
  if (matchPath('/library', pathname)) return <Suspense fallback={<Loading label="Loading the library…" />}><LibraryPage /></Suspense>;
  if ((m = matchPath('/definitions/:id', pathname))) {
    return <Suspense fallback={<Loading label="Loading the editor…" />}><DefinitionPage key={m.id} id={m.id} /></Suspense>;
  }
  return <Empty title="Page not found">There is nothing at {pathname}. <Link to="/">Go to your home page</Link>.</Empty>;
}

function Forbidden() {
  return <Empty title="Not available for your role">Ask an admin if you need access to this page.</Empty>;
}

interface NavItem { to: string; label: string; match: string[] }

export function navFor(user: Me): { main: NavItem[]; lead: NavItem[] } {
  const main: NavItem[] = [];
  if (canWork(user)) main.push({ to: '/queue', label: 'My queue', match: ['/queue', '/tasks/'] });
  main.push({ to: '/accounts', label: 'Accounts', match: ['/accounts'] });
  const lead: NavItem[] = [];
  // Viewers (e.g. finance) read the team, analytics and playbooks without changing anything.
  if (isLeader(user) || !canWork(user)) lead.push({ to: '/team', label: 'Team', match: ['/team'] });
  if (isLeader(user) || !canWork(user)) lead.push({ to: '/analytics', label: 'Analytics', match: ['/analytics'] });
  if (isLeader(user) || !canWork(user)) lead.push({ to: '/library', label: 'Playbooks', match: ['/library', '/definitions/'] });
  return { main, lead };
}

function initials(name: string): string {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((p) => p[0]!.toUpperCase()).join('') || '?';
}

function Shell({ user, pathname, onSignOut, children }: { user: Me; pathname: string; onSignOut: () => void; children: ReactNode }) {
  const [menuOpen, setMenuOpen] = useState(false);
  const [passwordOpen, setPasswordOpen] = useState(false);
  const menuRef = useRef<HTMLDivElement>(null);
  const nav = navFor(user);
  useEffect(() => {
    if (!menuOpen) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !menuRef.current?.contains(e.target as Node)) setMenuOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => { document.removeEventListener('mousedown', close); document.removeEventListener('keydown', close); };
  }, [menuOpen]);
  useEffect(() => setMenuOpen(false), [pathname]);

  const current = (item: NavItem) => item.match.some((p) => pathname === p || (p.endsWith('/') ? pathname.startsWith(p) : pathname.startsWith(p + '/')));
  const link = (item: NavItem) => (
    <Link key={item.to} to={item.to} aria-current={current(item) ? 'page' : undefined}>{item.label}</Link>
  );
  return (
    <div className="wm-shell">
      <a href="#main" className="wm-skip" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <aside className="wm-sidebar">
        <div className="wm-brand"><Logo size={24} withName /></div>
        <nav className="wm-nav" aria-label="Main">
          {nav.main.map(link)}
          {nav.lead.length > 0 && <div className="wm-nav-section">{isLeader(user) ? 'Leadership' : 'Reports'}</div>}
          {nav.lead.map(link)}
        </nav>
        <div className="wm-user" ref={menuRef}>
          {menuOpen && (
            <div className="wm-user-menu" role="menu">
              <div className="wm-menu-info">
                <div><strong>{user.name}</strong></div>
                <div className="wm-muted wm-small">{user.email}</div>
                <div className="wm-muted wm-small">Role: {user.roles.map(humanize).join(', ')}{user.teamRole && user.teamRole !== user.roles[0] ? ` · ${humanize(user.teamRole)}` : ''}</div>
              </div>
              <button type="button" role="menuitem" className="wm-btn wm-btn-ghost" onClick={() => { setMenuOpen(false); setPasswordOpen(true); }}>Change password</button>
              <button type="button" role="menuitem" className="wm-btn wm-btn-ghost" onClick={onSignOut}>Sign out</button>
            </div>
          )}
          <button type="button" className="wm-user-button" aria-haspopup="menu" aria-expanded={menuOpen} onClick={() => setMenuOpen((o) => !o)}>
            <span className="wm-avatar" aria-hidden="true">{initials(user.name)}</span>
            <span style={{ minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{user.name}</span>
          </button>
        </div>
      </aside>
      <main className="wm-main" id="main" tabIndex={-1}><div className="wm-main-inner">{children}</div></main>
      <PasswordDialog open={passwordOpen} onClose={() => setPasswordOpen(false)} />
    </div>
  );
}
