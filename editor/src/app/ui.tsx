/** Shared UI pieces: loading/empty/error states, badges, page header, dialogs, toasts. */
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ApiError } from '../api.js';
import { humanize } from './format.js';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="wm-state" role="status" aria-live="polite">
      <span className="wm-spinner" aria-hidden="true" /> {label}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="wm-state wm-empty">
      <strong>{title}</strong>
      {children ? <div className="wm-muted">{children}</div> : null}
    </div>
  );
}

export function ErrorBox({ error, onRetry }: { error: ApiError | Error | string; onRetry?: () => void }) {
  const message = typeof error === 'string' ? error : error.message;
  const details = typeof error === 'object' && 'details' in error ? (error as ApiError).details : [];
  return (
    <div className="wm-error" role="alert">
      <div>{message}</div>
      {details.length > 0 && (
        <ul>{details.map((d, i) => <li key={i}><code>{d.path}</code> {d.message}</li>)}</ul>
      )}
      {onRetry && <button type="button" className="wm-btn wm-btn-small" onClick={onRetry}>Try again</button>}
    </div>
  );
}

/** Shows loading / error / content for a resource, keeping stale content visible while reloading. */
export function Async<T>({ res, children, label, notFound }: { res: { data: T | undefined; error: ApiError | null; loading: boolean; reload: () => void }; children: (data: T) => ReactNode; label?: string; notFound?: ReactNode }) {
  // A 404 will not change on a retry: say what is missing instead of offering "Try again".
  if (notFound !== undefined && res.error?.status === 404 && res.data === undefined) return <>{notFound}</>;
  if (res.error && res.data === undefined) return <ErrorBox error={res.error} onRetry={res.reload} />;
  if (res.data === undefined) return <Loading label={label} />;
  return <>{res.error && <ErrorBox error={res.error} onRetry={res.reload} />}{children(res.data)}</>;
}

export function PageHeader({ title, subtitle, actions }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="wm-page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <div className="wm-muted wm-subtitle">{subtitle}</div>}
      </div>
      {actions && <div className="wm-actions">{actions}</div>}
    </header>
  );
}

export function Card({ title, children, actions, className }: { title?: ReactNode; children: ReactNode; actions?: ReactNode; className?: string }) {
  return (
    <section className={'wm-card' + (className ? ' ' + className : '')}>
      {(title || actions) && (
        <div className="wm-card-head">
          {title && <h2>{title}</h2>}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

export function HealthBadge({ color, score }: { color?: string | null; score?: number | null }) {
  if (!color) return <span className="wm-badge">No health</span>;
  const label = color === 'green' ? 'Healthy' : color === 'yellow' ? 'At risk' : color === 'red' ? 'Unhealthy' : humanize(color);
  return (
    <span className={`wm-badge wm-health-${color}`} title={`Health ${color}${score != null ? ', score ' + score : ''}`}>
      <span className="wm-dot" aria-hidden="true" />{label}{score != null ? ` · ${Math.round(score)}` : ''}
    </span>
  );
}

export function PriorityBadge({ priority }: { priority: string }) {
  return <span className={`wm-badge wm-priority-${priority}`}>{humanize(priority)}</span>;
}

export function TypeBadge({ type }: { type: string }) {
  return <span className={`wm-badge wm-type wm-type-${type}`}>{humanize(type)}</span>;
}

export function Field({ label, children, wide }: { label: string; children: ReactNode; wide?: boolean }) {
  return (
    <div className={'wm-kv' + (wide ? ' wm-kv-wide' : '')}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** A modal dialog on <dialog>: focus moves in, Escape closes. */
export function Modal({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      if (typeof d.showModal === 'function') d.showModal(); else d.setAttribute('open', '');
    } else if (!open && d.open) {
      if (typeof d.close === 'function') d.close(); else d.removeAttribute('open');
    }
  }, [open]);
  return (
    <dialog ref={ref} className="wm-modal" aria-label={title} onClose={onClose} onCancel={(e) => { e.preventDefault(); onClose(); }}>
      <div className="wm-card-head"><h2>{title}</h2>
        <button type="button" className="wm-btn wm-btn-ghost wm-btn-small" onClick={onClose} aria-label="Close">✕</button>
      </div>
      {open && children}
    </dialog>
  );
}

// ----- toasts: short confirmations after an action -----
interface Toast { id: number; text: string; kind: 'ok' | 'error' }
const ToastContext = createContext<(text: string, kind?: 'ok' | 'error') => void>(() => {});

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const push = useCallback((text: string, kind: 'ok' | 'error' = 'ok') => {
    const id = next.current++;
    // Keep the three newest: a burst of actions should not bury the page.
    setToasts((t) => [...t, { id, text, kind }].slice(-3));
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), 4000);
  }, []);
  return (
    <ToastContext.Provider value={push}>
      {children}
      <div className="wm-toasts" aria-live="polite">
        {toasts.map((t) => <div key={t.id} className={`wm-toast wm-toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>{t.text}</div>)}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast() {
  return useContext(ToastContext);
}

/** Pager for offset/limit lists. */
export function Pager({ offset, limit, total, onChange }: { offset: number; limit: number; total: number; onChange: (offset: number) => void }) {
  if (total <= limit && offset === 0) return null;
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + limit, total);
  return (
    <nav className="wm-pager" aria-label="Pages">
      <span className="wm-muted">{from}–{to} of {total.toLocaleString('en-US')}</span>
      <button type="button" className="wm-btn wm-btn-small" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>Previous</button>
      <button type="button" className="wm-btn wm-btn-small" disabled={offset + limit >= total} onClick={() => onChange(offset + limit)}>Next</button>
    </nav>
  );
}
