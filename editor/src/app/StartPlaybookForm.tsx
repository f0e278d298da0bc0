/**
 * Starts a live playbook by hand on one account (a "Started by hand" playbook, or any other the
 * CSM judges the account needs now). The worker starts the run within moments; the playbook's
 * re-entry policy may refuse, and the server's message says why.
 */
import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { useApi } from './useApi.js';
import { ErrorBox, useToast } from './ui.js';

interface PlaybookSummary { id: string; kind: string; name: string; triggerSummary?: string; liveVersion: number | null; archived?: boolean }

/** Live, not archived playbooks; those made to be started by hand first, then by name. */
export function startablePlaybooks(items: PlaybookSummary[]): PlaybookSummary[] {
  const byHand = (p: PlaybookSummary) => (/by hand/i.test(p.triggerSummary ?? '') ? 0 : 1);
  return items
    .filter((p) => p.kind === 'playbook' && p.liveVersion !== null && !p.archived)
    .sort((a, b) => byHand(a) - byHand(b) || a.name.localeCompare(b.name));
}

export function StartPlaybookForm({ accountId, accountName, onStarted }: { accountId: string; accountName: string; onStarted: () => void }) {
  const defs = useApi<{ items: PlaybookSummary[] }>('/api/definitions');
  const [playbookId, setPlaybookId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | string | null>(null);
  const toast = useToast();
  const options = startablePlaybooks(defs.data?.items ?? []);
  const chosen = options.find((p) => p.id === playbookId);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!chosen) { setError('Choose a playbook to start.'); return; }
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/accounts/${encodeURIComponent(accountId)}/playbooks/${encodeURIComponent(chosen.id)}/start`, {});
      toast(`${chosen.name} is starting on ${accountName}`);
      setPlaybookId('');
      // The worker starts the run in a moment: look again shortly so it shows here.
      setTimeout(onStarted, 1500);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  if (defs.loading && !defs.data) return <p className="wm-muted">Loading playbooks…</p>;
  if (defs.error) return <ErrorBox error={defs.error} />;
  if (options.length === 0) return <p className="wm-muted">No live playbook to start: publish one in the library first.</p>;
  return (
    <form onSubmit={submit} aria-label="Start a playbook" style={{ display: 'flex', gap: 8, alignItems: 'flex-end', flexWrap: 'wrap' }}>
      <label className="wm-label" style={{ flex: '1 1 220px', minWidth: 0 }}>Playbook
        <select className="wm-select" name="playbook" value={playbookId} onChange={(e) => setPlaybookId(e.target.value)} style={{ width: '100%' }}>
          <option value="">Choose…</option>
          {options.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select>
      </label>
      <button type="submit" className="wm-btn wm-btn-primary" disabled={busy}>{busy ? 'Starting…' : 'Start'}</button>
      {chosen?.triggerSummary && <p className="wm-muted wm-small" style={{ flexBasis: '100%', margin: 0 }}>Usually starts: {chosen.triggerSummary}</p>}
      {error && <div style={{ flexBasis: '100%' }}><ErrorBox error={error} /></div>}
    </form>
  );
}
