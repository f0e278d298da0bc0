/**
 * Publish with a message. Shows how many accounts are running the live version and lets the
 * author keep them on it (default) or move them through a node mapping (old node -> new node).
 */
import { useEffect, useMemo, useState } from 'react';
import { Modal } from '../app/ui.js';
import { ApiError } from '../api.js';
import { definitionsApi, type RunsInfo } from './designer-api.js';
import type { Doc } from './graph-model.js';


export function PublishDialog({ doc, dirty, liveVersion, onClose, onPublished, save }: {
  doc: Doc; dirty: boolean; liveVersion: number | null; onClose: () => void; onPublished: (v: number, summary: string) => void; save: () => Promise<boolean>;
}) {
  const [message, setMessage] = useState('');
  const [runs, setRuns] = useState<RunsInfo | null>(null);
  const [mode, setMode] = useState<'stay' | 'move'>('stay');
  const [map, setMap] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const done: string | null = null;

  useEffect(() => {
    if (doc.kind !== 'playbook' || liveVersion == null) return;
    definitionsApi.runs(doc.id).then((r) => setRuns(r), () => setRuns(null));
  }, [doc.id, doc.kind, liveVersion]);

  const waiting = useMemo(() => {
    const m = new Map<string, { label: string; count: number }>();
    for (const v of runs?.items ?? []) for (const n of v.nodes) {
      const cur = m.get(n.nodeId);
      m.set(n.nodeId, { label: n.label, count: (cur?.count ?? 0) + n.count });
    }
    return [...m.entries()];
  }, [runs]);
  const newNodes = doc.kind === 'playbook' ? doc.nodes : [];
  useEffect(() => {
    // Default mapping: a node that still exists maps to itself.
    const m: Record<string, string> = {};
    for (const [id] of waiting) if (newNodes.some((n) => n.id === id)) m[id] = id;
    setMap(m);
  }, [waiting]); // eslint-disable-line react-hooks/exhaustive-deps

  const publish = async () => {
    setBusy(true);
    setError(null);
    try {
      if (dirty && !(await save())) { setBusy(false); return; }
      const nodeMap = mode === 'move' ? Object.fromEntries(Object.entries(map).filter(([, v]) => v)) : undefined;
      const res = await definitionsApi.publish(doc.id, message.trim(), nodeMap) as { version: number; summary?: string; accountsInLiveVersion?: number };
      onPublished(res.version, res.summary ?? `Version ${res.version} is live.`);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  const unmapped = mode === 'move' ? waiting.filter(([id]) => !map[id]).length : 0;

  return (
    <Modal title={`Publish ${doc.name}`} open onClose={onClose}>
      <div className="wmd-form wmd-publish">
        {done ? <p role="status">{done}</p> : (
          <>
            <p className="wm-muted">{liveVersion ? `This replaces live version ${liveVersion} for new runs.` : 'This makes the first live version.'}{dirty ? ' Your unsaved changes are saved first.' : ''}</p>
            <div className="wmd-row">
              <label className="wm-label" htmlFor="wmd-pub-msg">What changed *</label>
              <textarea id="wmd-pub-msg" className="wm-textarea" rows={3} value={message} onChange={(e) => setMessage(e.target.value)} placeholder="e.g. Ask the CS manager to join red renewals" />
            </div>
            {doc.kind === 'playbook' && liveVersion != null && (
              <div className="wmd-section">
                <h3>Accounts running the current version{runs ? `: ${runs.total}` : ''}</h3>
                {runs && runs.total === 0 && <p className="wm-muted wm-small">No account is inside the playbook now.</p>}
                {runs && runs.total > 0 && (
                  <>
                    <label className="wmd-radio"><input type="radio" name="wmd-mig" checked={mode === 'stay'} onChange={() => setMode('stay')} /> Let them finish on their version (recommended)</label>
                    <label className="wmd-radio"><input type="radio" name="wmd-mig" checked={mode === 'move'} onChange={() => setMode('move')} /> Move them to the new version</label>
                    {mode === 'move' && (
                      <table className="wm-table wmd-map">
                        <thead><tr><th>Waiting at (old)</th><th className="wm-num">Runs</th><th>Continue at (new)</th></tr></thead>
                        <tbody>{waiting.map(([id, w]) => (
                          <tr key={id}><td>{w.label} <code>{id}</code></td><td className="wm-num">{w.count}</td>
                            <td><select className="wm-select wmd-small" aria-label={`New node for ${w.label}`} value={map[id] ?? ''} onChange={(e) => setMap({ ...map, [id]: e.target.value })}>
                              <option value="">(choose)</option>
                              {newNodes.map((n) => <option key={n.id} value={n.id}>{n.label || n.id}</option>)}
                            </select></td></tr>
                        ))}</tbody>
                      </table>
                    )}
                  </>
                )}
              </div>
            )}
            {error && (
              <div className="wm-error" role="alert">{error.message}
                {error instanceof ApiError && error.details.length > 0 && <ul>{error.details.map((d, i) => <li key={i}><code>{d.path}</code> {d.message}</li>)}</ul>}
              </div>
            )}
          </>
        )}
        <div className="wmd-dialog-actions">
          <button type="button" className="wm-btn" onClick={onClose}>{done ? 'Close' : 'Cancel'}</button>
          {!done && <button type="button" className="wm-btn wm-btn-primary" disabled={busy || !message.trim() || unmapped > 0}
            title={!message.trim() ? 'Say what changed' : unmapped ? 'Choose a new node for every old node' : undefined} onClick={() => void publish()}>{busy ? 'Publishing…' : 'Publish'}</button>}
        </div>
      </div>
    </Modal>
  );
}
