/**
 * A small router on history.pushState: the app has a handful of flat routes, so a
 * pattern list and a location hook are all it needs.
 */
import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

const listeners = new Set<() => void>();

function notify(): void {
  for (const l of listeners) l();
}

function snapshot(): string {
  return window.location.pathname + window.location.search;
}

/**
 * Guards against leaving the current page (e.g. an editor with unsaved changes): each returns
 * true to let the user go. Consulted for in-app navigation and for the browser's Back/Forward.
 */
const blockers = new Set<() => boolean>();
/** The location the app is showing (what Back/Forward is undone to when a guard says no). */
let shown: string | null = null;

function allowed(): boolean {
  for (const b of blockers) if (!b()) return false;
  return true;
}

function onPopState(): void {
  const next = snapshot();
  if (shown !== null && next !== shown && !allowed()) {
    // The browser has already moved; put the page the user is on back on top of the history.
    window.history.pushState(null, '', shown);
    return;
  }
  shown = next;
  notify();
}

function subscribe(fn: () => void): () => void {
  if (listeners.size === 0) {
    shown = snapshot();
    window.addEventListener('popstate', onPopState);
  }
  listeners.add(fn);
  return () => {
    listeners.delete(fn);
    if (listeners.size === 0) window.removeEventListener('popstate', onPopState);
  };
}

/** While `when` holds, leaving the page in-app or with Back/Forward asks `message` first. */
export function useLeaveGuard(when: boolean, message: string): void {
  useEffect(() => {
    if (!when) return;
    const guard = () => window.confirm(message);
    blockers.add(guard);
    return () => {
      blockers.delete(guard);
    };
  }, [when, message]);
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  // Replacing the query string (filters) stays on the page; going elsewhere asks the guards.
  if (!opts.replace && new URL(to, window.location.href).pathname !== window.location.pathname && !allowed()) return;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  shown = snapshot();
  notify();
  if (!opts.replace) window.scrollTo?.(0, 0);
}

export interface Location { pathname: string; search: URLSearchParams; href: string }

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot, snapshot);
  const url = new URL(href, 'http://x');
  return { pathname: url.pathname, search: url.searchParams, href };
}

/** Replaces the query string (keeps the path), for filters that live in the URL. */
export function setSearch(params: Record<string, string | number | undefined | null>): void {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  navigate(window.location.pathname + (s ? '?' + s : ''), { replace: true });
}

/** Matches "/tasks/:id" against a path; returns the params or null. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = pathname.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) {
      try { params[p[i].slice(1)] = decodeURIComponent(s[i]); } catch { return null; }
    } else if (p[i] !== s[i]) return null;
  }
  return params;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string; children: ReactNode };

/** A real anchor (so middle-click and copy-link work) that routes in-app on a plain click. */
export function Link({ to, children, onClick, ...rest }: LinkProps) {
  function handle(e: MouseEvent<HTMLAnchorElement>) {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  }
  return <a href={to} onClick={handle} {...rest}>{children}</a>;
}

export function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}
