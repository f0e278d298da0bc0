/** Logs a meeting, call, email, note or EBR on an account's timeline (C3). */
import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { ErrorBox, useToast } from './ui.js';

export const ACTIVITY_KINDS = [
  { value: 'call', label: 'Call' },
  { value: 'meeting', label: 'Meeting' },
  { value: 'email', label: 'Email' },
  { value: 'note', label: 'Note' },
  { value: 'ebr', label: 'EBR' },
] as const;

export function ActivityForm({ accountId, onLogged, defaultKind = 'call' }: { accountId: string; onLogged: () => void; defaultKind?: string }) {
  const [kind, setKind] = useState(defaultKind);
  const [summary, setSummary] = useState('');
  const [date, setDate] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | string | null>(null);
  const toast = useToast();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!summary.trim()) { setError('Write a short summary of what happened.'); return; }
    let at: string | undefined;
    if (date) {
      const t = Date.parse(date);
      if (Number.isNaN(t)) { setError('The date is not valid.'); return; }
      if (t > Date.now() + 60_000) { setError('An activity cannot be logged in the future.'); return; }
      at = new Date(t).toISOString();
    }
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/accounts/${encodeURIComponent(accountId)}/activities`, { kind, summary: summary.trim(), ...(at ? { at } : {}) });
      setSummary('');
      setDate('');
      toast(`${ACTIVITY_KINDS.find((k) => k.value === kind)?.label ?? 'Activity'} logged`);
      onLogged();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="wm-activity-form" aria-label="Log an activity" style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
      <div className="wm-form-row">
        <label className="wm-label">Kind
          <select className="wm-select" value={kind} onChange={(e) => setKind(e.target.value)} name="kind">
            {ACTIVITY_KINDS.map((k) => <option key={k.value} value={k.value}>{k.label}</option>)}
          </select>
        </label>
        <label className="wm-label">When (optional)
          <input className="wm-input" type="datetime-local" value={date} onChange={(e) => setDate(e.target.value)} name="at" />
        </label>
      </div>
      <label className="wm-label">Summary
        <textarea className="wm-textarea" name="summary" value={summary} onChange={(e) => setSummary(e.target.value)} placeholder="What was discussed, decided or agreed" maxLength={4000} />
      </label>
      {error && <ErrorBox error={error} />}
      <div><button type="submit" className="wm-btn wm-btn-primary" disabled={busy}>{busy ? 'Logging…' : 'Log activity'}</button></div>
    </form>
  );
}
