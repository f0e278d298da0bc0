/**
 * The library: every definition with its kind, trigger, status, last change and validation
 * state; filter by kind; create (blank or from a sample), duplicate, archive.
 */
import { formatDateTime } from '../app/format.js';
import { useContext, useMemo, useState } from 'react';
import { api, ApiError } from '../api.js';
import { AuthContext, hasRole } from '../app/auth.js';
import { Link, navigate } from '../app/router.js';
import { Empty, ErrorBox, Loading, Modal, PageHeader } from '../app/ui.js';
import { useApi } from '../app/useApi.js';
import { definitionsApi, type DefinitionSummary } from './designer-api.js';
import { freshId } from './graph-model.js';

type KindFilter = 'all' | DefinitionSummary['kind'];
const KIND_LABEL: Record<DefinitionSummary['kind'], string> = { playbook: 'Playbook', journey: 'Journey', scorecard: 'Scorecard', fields: 'Data dictionary' };

export function LibraryPage() {
  const res = useApi<{ items: DefinitionSummary[] }>('/api/definitions');
  const auth = useContext(AuthContext);
  const canAuthor = hasRole(auth?.user, 'author');
  const [kind, setKind] = useState<KindFilter>('all');
  const [showArchived, setShowArchived] = useState(false);
  const [q, setQ] = useState('');
  const [dialog, setDialog] = useState<{ mode: 'create' } | { mode: 'duplicate'; from: DefinitionSummary } | { mode: 'archive'; item: DefinitionSummary } | null>(null);

  const items = useMemo(() => {
    const all = res.data?.items ?? [];
    const needle = q.trim().toLowerCase();
    return all
      .filter((d) => (kind === 'all' || d.kind === kind) && (showArchived || !d.archived))
      .filter((d) => !needle || d.name.toLowerCase().includes(needle) || d.id.includes(needle) || (d.triggerSummary ?? '').toLowerCase().includes(needle))
      .sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || a.name.localeCompare(b.name));
  }, [res.data, kind, showArchived, q]);
  const countOf = (k: KindFilter) => (res.data?.items ?? []).filter((d) => (k === 'all' || d.kind === k) && (showArchived || !d.archived)).length;

  return (
    <div className="wmd-library">
      <PageHeader title="Library" subtitle="Playbooks, journeys, scorecards and the data dictionary: the files in playbooks/."
        actions={canAuthor ? <button type="button" className="wm-btn wm-btn-primary" onClick={() => setDialog({ mode: 'create' })}>New…</button> : undefined} />
      <div className="wm-filters wmd-lib-filters">
        <div role="tablist" aria-label="Kind" className="wmd-seg">
          {(['all', 'playbook', 'journey', 'scorecard', 'fields'] as KindFilter[]).map((k) => (
            <button key={k} type="button" role="tab" aria-selected={kind === k} className={'wmd-seg-btn' + (kind === k ? ' wmd-seg-on' : '')} onClick={() => setKind(k)}>
              {k === 'all' ? 'All' : k === 'fields' ? 'Dictionary' : KIND_LABEL[k] + 's'} <span className="wm-muted">{res.data ? countOf(k) : ''}</span>
            </button>
          ))}
        </div>
        <input className="wm-input" type="search" placeholder="Search by name or trigger" aria-label="Search the library" value={q} onChange={(e) => setQ(e.target.value)} />
        <label className="wm-small"><input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} /> Show archived</label>
      </div>
      {res.error && !res.data && <ErrorBox error={res.error} onRetry={res.reload} />}
      {!res.data && !res.error && <Loading label="Loading the library…" />}
      {res.data && items.length === 0 && (
        <Empty title={res.data.items.length ? 'Nothing matches these filters.' : 'The library is empty.'}>
          {canAuthor && !res.data.items.length ? 'Create a playbook or a journey to start.' : null}
        </Empty>
      )}
      {res.data && items.length > 0 && (
        <div className="wm-table-wrap">
          <table className="wm-table wmd-lib-table">
            <thead><tr><th>Name</th><th>Kind</th><th>Trigger / contents</th><th>Status</th><th>Checks</th><th>Last change</th>{canAuthor && <th><span className="wm-visually-hidden">Actions</span></th>}</tr></thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id} className={d.archived ? 'wmd-archived' : undefined}>
                  <td><Link to={`/definitions/${encodeURIComponent(d.id)}`}><strong>{d.name}</strong></Link><div className="wm-muted wm-small"><code>{d.id}.json</code></div></td>
                  <td><span className={`wm-badge wmd-kind-${d.kind}`}>{KIND_LABEL[d.kind]}</span></td>
                  <td className="wmd-trigger-cell">{d.triggerSummary}</td>
                  <td className="wm-nowrap">
                    {d.archived ? <span className="wm-badge">Archived</span>
                      : d.liveVersion ? <span className="wm-badge wmd-live">Live v{d.liveVersion}</span> : <span className="wm-badge wmd-draft">Draft</span>}
                    {d.liveVersion && d.draftChanged && !d.archived ? <div className="wm-muted wm-small">unpublished changes</div> : null}
                  </td>
                  <td className="wm-nowrap"><ProblemBadge p={d.problems} /></td>
                  <td className="wm-nowrap wm-small">{formatDateTime(d.updatedAt)}</td>
                  {canAuthor && (
                    <td className="wm-nowrap">
                      {!d.archived && (d.kind === 'playbook' || d.kind === 'journey') && <button type="button" className="wm-btn wm-btn-ghost wm-btn-small" onClick={() => setDialog({ mode: 'duplicate', from: d })} aria-label={`Duplicate ${d.name}`}>Duplicate</button>}
                      {!d.archived && d.kind !== 'fields' && <button type="button" className="wm-btn wm-btn-ghost wm-btn-small" onClick={() => setDialog({ mode: 'archive', item: d })} aria-label={`Archive ${d.name}`}>Archive</button>}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dialog?.mode === 'create' && <CreateDialog samples={(res.data?.items ?? []).filter((d) => !d.archived && (d.kind === 'playbook' || d.kind === 'journey'))} taken={(res.data?.items ?? []).map((d) => d.id)} onClose={() => setDialog(null)} />}
      {dialog?.mode === 'duplicate' && <DuplicateDialog from={dialog.from} taken={(res.data?.items ?? []).map((d) => d.id)} onClose={() => setDialog(null)} />}
      {dialog?.mode === 'archive' && <ArchiveDialog item={dialog.item} onClose={() => setDialog(null)} onDone={() => { setDialog(null); res.reload(); }} />}
    </div>
  );
}

function kindRank(k: DefinitionSummary['kind']): number {
  return { journey: 0, playbook: 1, scorecard: 2, fields: 3 }[k];
}

function ProblemBadge({ p }: { p: { errors: number; warnings: number } | undefined }) {
  if (!p) return null;
  if (p.errors) return <span className="wm-badge wmd-bad" title="Errors must be fixed before publishing">{p.errors} error{p.errors === 1 ? '' : 's'}</span>;
  if (p.warnings) return <span className="wm-badge wmd-warn">{p.warnings} warning{p.warnings === 1 ? '' : 's'}</span>;
  return <span className="wm-badge wmd-ok">Valid</span>;
}

export function slugify(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
}

function IdNameFields({ name, setName, id, setId, taken }: { name: string; setName: (v: string) => void; id: string; setId: (v: string) => void; taken: string[] }) {
  const idOk = /^[a-z0-9][a-z0-9_-]*$/.test(id);
  return (
    <>
      <label className="wm-label">Name<input className="wm-input" value={name} autoFocus onChange={(e) => setName(e.target.value)} required /></label>
      <label className="wm-label">File id<input className="wm-input" value={id} onChange={(e) => setId(e.target.value)} aria-invalid={!idOk || taken.includes(id)} /></label>
      <p className="wm-muted wm-small">Saved as <code>playbooks/{id || '…'}.json</code>.
        {!idOk && id ? ' Use lower-case letters, digits, - and _.' : ''}{taken.includes(id) ? ' This id is taken.' : ''}</p>
    </>
  );
}

function CreateDialog({ samples, taken, onClose }: { samples: DefinitionSummary[]; taken: string[]; onClose: () => void }) {
  const [from, setFrom] = useState('blank-playbook');
  const [name, setName] = useState('');
  const [id, setId] = useState('');
  const [idTouched, setIdTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const effectiveId = idTouched ? id : freshId(slugify(name) || 'new-playbook', taken);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/definitions', { from, id: effectiveId, name: name.trim() });
      navigate(`/definitions/${encodeURIComponent(effectiveId)}`);
    } catch (e) {
      setError(e as Error);
      setBusy(false);
    }
  };
  return (
    <Modal title="New definition" open onClose={onClose}>
      <form className="wmd-form" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <label className="wm-label">Start from
          <select className="wm-select" value={from} onChange={(e) => setFrom(e.target.value)}>
            <option value="blank-playbook">Blank playbook</option>
            <option value="blank-journey">Blank journey</option>
            {samples.length > 0 && <optgroup label="A copy of">{samples.map((s) => <option key={s.id} value={s.id}>{s.name} ({s.kind})</option>)}</optgroup>}
          </select>
        </label>
        <IdNameFields name={name} setName={setName} id={effectiveId} setId={(v) => { setIdTouched(true); setId(v); }} taken={taken} />
        {error && <ErrorBox error={error} />}
        <div className="wmd-dialog-actions">
          <button type="button" className="wm-btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="wm-btn wm-btn-primary" disabled={busy || !name.trim() || !effectiveId || taken.includes(effectiveId)}>{busy ? 'Creating…' : 'Create'}</button>
        </div>
      </form>
    </Modal>
  );
}

function DuplicateDialog({ from, taken, onClose }: { from: DefinitionSummary; taken: string[]; onClose: () => void }) {
  const [name, setName] = useState(`${from.name} (copy)`);
  const [id, setId] = useState(freshId(`${from.id}-copy`, taken));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  return (
    <Modal title={`Duplicate ${from.name}`} open onClose={onClose}>
      <form className="wmd-form" onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        try {
          await definitionsApi.duplicate(from.id, id, name.trim());
          navigate(`/definitions/${encodeURIComponent(id)}`);
        } catch (err) { setError(err as Error); setBusy(false); }
      }}>
        <IdNameFields name={name} setName={setName} id={id} setId={setId} taken={taken} />
        {error && <ErrorBox error={error} />}
        <div className="wmd-dialog-actions">
          <button type="button" className="wm-btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="wm-btn wm-btn-primary" disabled={busy || !name.trim() || taken.includes(id)}>{busy ? 'Duplicating…' : 'Duplicate'}</button>
        </div>
      </form>
    </Modal>
  );
}

function ArchiveDialog({ item, onClose, onDone }: { item: DefinitionSummary; onClose: () => void; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  return (
    <Modal title={`Archive ${item.name}?`} open onClose={onClose}>
      <div className="wmd-form">
        <p>The file moves to <code>playbooks/archive/</code>{item.kind === 'playbook' ? ' and no new runs start. Accounts already inside finish on their version.' : '.'} Published versions stay in the history.</p>
        {error && <ErrorBox error={error} />}
        <div className="wmd-dialog-actions">
          <button type="button" className="wm-btn" onClick={onClose}>Cancel</button>
          <button type="button" className="wm-btn wm-btn-danger" disabled={busy} onClick={async () => {
            setBusy(true);
            try { await definitionsApi.archive(item.id); onDone(); } catch (e) { setError(e as Error); setBusy(false); }
          }}>{busy ? 'Archiving…' : 'Archive'}</button>
        </div>
      </div>
    </Modal>
  );
}
