/** Search an account by name or id (GET /api/accounts?q=) and pick one. */
import { useEffect, useId, useState } from 'react';
import { definitionsApi, type AccountLite } from './designer-api.js';

export function accountName(a: AccountLite): string {
  return String(a.fields?.name ?? a.id);
}

export function AccountPicker({ value, onPick, label = 'Account' }: { value: AccountLite | null; onPick: (a: AccountLite | null) => void; label?: string }) {
  const [q, setQ] = useState('');
  const [items, setItems] = useState<AccountLite[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const id = useId();
  useEffect(() => {
    if (!open) return;
    let current = true;
    const t = setTimeout(() => {
      definitionsApi.accounts(q, 8).then(
        (r) => { if (current) { setItems(r.items ?? []); setError(null); } },
        (e: Error) => { if (current) setError(e.message); },
      );
    }, 200);
    return () => { current = false; clearTimeout(t); };
  }, [q, open]);
  if (value && !open) {
    return (
      <div className="wmd-picked">
        <span>{label}: <strong>{accountName(value)}</strong> <span className="wm-muted wm-small">{String(value.fields?.tier ?? '')}</span></span>
        <button type="button" className="wm-btn wm-btn-small" onClick={() => { setOpen(true); onPick(null); }}>Change</button>
      </div>
    );
  }
  return (
    <div className="wmd-picker">
      <label className="wm-label" htmlFor={id}>{label}</label>
      <input id={id} className="wm-input" type="search" placeholder="Search accounts by name…" value={q} autoComplete="off"
        onFocus={() => setOpen(true)} onChange={(e) => { setQ(e.target.value); setOpen(true); }} />
      {error && <p className="wmd-error-text wm-small" role="alert">{error}</p>}
      {open && items.length > 0 && (
        <ul className="wmd-picker-list" role="listbox" aria-label="Accounts">
          {items.map((a) => (
            <li key={a.id} role="option" aria-selected={false}>
              <button type="button" className="wmd-picker-item" onClick={() => { onPick(a); setOpen(false); }}>
                <strong>{accountName(a)}</strong>
                <span className="wm-muted wm-small"> {String(a.fields?.tier ?? '')} · {String(a.fields?.segment ?? '')}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {open && !error && items.length === 0 && <p className="wm-muted wm-small">No matching accounts.</p>}
    </div>
  );
}
