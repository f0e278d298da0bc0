/**
 * Version history (who, when, message) and a visual diff of two versions: added, removed and
 * changed nodes highlighted on a read-only canvas, beside the text diff of the files.
 */
import { useEffect, useMemo, useState } from 'react';
import { ReactFlow, ReactFlowProvider, Background, Controls, MarkerType, type Edge as RFEdge } from '@xyflow/react';
import type { Definition, FieldDef } from '../../../engine/schema/definitions.js';
import { definitionsApi, versionDefinition, type DiffResult, type VersionInfo } from './designer-api.js';
import { canvasNodes, canvasEdges, ensureLayout, outputHandles, type Doc } from './graph-model.js';
import { nodeTypes, type CanvasNodeType } from './canvas-nodes.js';
import { nodeText } from './summaries.js';
import { formatDateTime } from '../app/format.js';

type Ref = number | 'draft';

export function VersionsPanel({ id, doc, fields, dirty }: { id: string; doc: Doc; fields: FieldDef[]; dirty: boolean }) {
  const [items, setItems] = useState<VersionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [from, setFrom] = useState<Ref | null>(null);
  const [to, setTo] = useState<Ref>('draft');
  const [diffOpen, setDiffOpen] = useState(false);
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    definitionsApi.users().then((r) => setNames(Object.fromEntries(r.items.map((u) => [u.id, u.name]))), () => { /* ids stay shown */ });
  }, []);
  useEffect(() => {
    let live = true;
    definitionsApi.versions(id).then(async (r) => {
      const versions = r.items.map((v) => v.version);
      // Whether the saved draft differs from the live version decides the useful comparison.
      let draftDiffers = versions.length === 0;
      if (versions.length) {
        try { draftDiffers = diffIsEmpty(await definitionsApi.diff(id, Math.max(...versions), 'draft')) === false; } catch { draftDiffers = false; }
      }
      if (!live) return;
      const pair = defaultComparison(versions, draftDiffers);
      setItems(r.items);
      setFrom(pair.from);
      setTo(pair.to);
    }, (e: Error) => { if (live) setError(e.message); });
    return () => { live = false; };
  }, [id]);
  if (error) return <div className="wm-error" role="alert">{error}</div>;
  if (!items) return <p className="wm-muted" role="status">Loading history…</p>;
  const refs: Ref[] = ['draft', ...items.map((v) => v.version)];
  return (
    <div className="wmd-form">
      <h2>History</h2>
      {items.length === 0 ? <p className="wm-muted">Not published yet. Publish to create version 1.</p> : (
        <ol className="wmd-versions">
          {items.map((v) => (
            <li key={v.version}>
              <div><strong>v{v.version}</strong> <span className="wm-muted wm-small">{formatDateTime(v.publishedAt)} · {names[v.author] ?? v.author}</span></div>
              <div className="wm-small">{v.message}</div>
            </li>
          ))}
        </ol>
      )}
      <div className="wmd-section">
        <h3>Compare</h3>
        <div className="wmd-cols">
          <label className="wm-label">From
            <select className="wm-select" value={String(from ?? 0)} onChange={(e) => setFrom(e.target.value === 'draft' ? 'draft' : Number(e.target.value))}>
              {[0, ...refs.filter((r) => r !== 'draft')].map((r) => <option key={r} value={String(r)}>{r === 0 ? 'Nothing (new)' : `v${r}`}</option>)}
              <option value="draft">Draft</option>
            </select>
          </label>
          <label className="wm-label">To
            <select className="wm-select" value={String(to)} onChange={(e) => setTo(e.target.value === 'draft' ? 'draft' : Number(e.target.value))}>
              {refs.map((r) => <option key={r} value={String(r)}>{r === 'draft' ? 'Draft (saved)' : `v${r}`}</option>)}
            </select>
          </label>
        </div>
        {dirty && <p className="wm-muted wm-small">The draft side is the saved file; save to include your latest changes.</p>}
        <button type="button" className="wm-btn wm-btn-small" onClick={() => setDiffOpen(true)}>Show differences</button>
      </div>
      {diffOpen && <DiffView id={id} from={from ?? 0} to={to} fields={fields} current={doc} onClose={() => setDiffOpen(false)} />}
    </div>
  );
}

/**
 * The comparison the panel opens with: the draft against the live version when the draft has
 * changes, else the previous version against the latest (or nothing against v1, or against
 * the draft when nothing is published).
 */
export function defaultComparison(versions: number[], draftDiffers: boolean): { from: Ref; to: Ref } {
  const sorted = [...versions].sort((a, b) => b - a);
  if (sorted.length === 0) return { from: 0, to: 'draft' };
  if (draftDiffers) return { from: sorted[0], to: 'draft' };
  return { from: sorted[1] ?? 0, to: sorted[0] };
}

export function diffIsEmpty(d: Pick<DiffResult, 'nodes' | 'edges' | 'settings' | 'layoutChanged' | 'textDiff'>): boolean {
  const none = (c: { added: string[]; removed: string[]; changed?: string[] } | undefined) => !c || (c.added.length === 0 && c.removed.length === 0 && (c.changed?.length ?? 0) === 0);
  return !d.textDiff?.trim() && none(d.nodes) && none(d.edges) && !(d.settings?.length) && !d.layoutChanged;
}

async function loadSide(id: string, ref: Ref): Promise<Definition | null> {
  if (ref === 0) return null;
  if (ref === 'draft') return (await definitionsApi.read(id)).definition;
  return versionDefinition(await definitionsApi.version(id, ref)) ?? null;
}

/** The "to" graph plus the removed nodes of "from" at their old places, each marked. */
export function mergedForDiff(fromDoc: Doc | null, toDoc: Doc, diff: Pick<DiffResult, 'nodes' | 'edges'>): {
  nodes: { id: string; doc: Doc; mark?: 'added' | 'removed' | 'changed'; position: { x: number; y: number } }[];
  edges: { id: string; source: string; target: string; branch?: string; mark?: 'added' | 'removed' }[];
} {
  const to = ensureLayout(toDoc);
  const from = fromDoc ? ensureLayout(fromDoc) : null;
  const added = new Set(diff.nodes.added), changed = new Set(diff.nodes.changed), removed = new Set(diff.nodes.removed);
  type Mark = 'added' | 'removed' | 'changed' | undefined;
  const nodes = canvasNodes(to).map((n) => ({ id: n.id, doc: to, position: n.position, mark: (added.has(n.id) ? 'added' : changed.has(n.id) ? 'changed' : undefined) as Mark }));
  // A removed node whose old place is now taken is shown beside it, so both stay readable.
  const clash = (p: { x: number; y: number }) => nodes.some((o) => Math.abs(o.position.x - p.x) < 240 && Math.abs(o.position.y - p.y) < 90);
  if (from) for (const n of canvasNodes(from)) if (removed.has(n.id)) {
    const position = { ...n.position };
    for (let i = 0; i < 6 && clash(position); i++) position.x += 260;
    nodes.push({ id: n.id, doc: from, position, mark: 'removed' });
  }
  const eAdded = new Set(diff.edges.added), eRemoved = new Set(diff.edges.removed);
  const edges = canvasEdges(to).map((e) => ({ ...e, mark: (eAdded.has(e.id) ? 'added' : undefined) as 'added' | 'removed' | undefined }));
  if (from) for (const e of canvasEdges(from)) if (eRemoved.has(e.id)) edges.push({ ...e, mark: 'removed' as const });
  return { nodes, edges };
}

function DiffView({ id, from, to, fields, onClose }: { id: string; from: Ref; to: Ref; fields: FieldDef[]; current: Doc; onClose: () => void }) {
  const [state, setState] = useState<{ diff: DiffResult; fromDoc: Doc | null; toDoc: Doc | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    Promise.all([definitionsApi.diff(id, from, to), loadSide(id, from), loadSide(id, to)])
      .then(([diff, f, t]) => setState({ diff, fromDoc: (f as Doc | null), toDoc: (t as Doc | null) }), (e: Error) => setError(e.message));
  }, [id, from, to]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') onClose(); };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  const graph = useMemo(() => (state?.toDoc && (state.toDoc.kind === 'playbook' || state.toDoc.kind === 'journey') ? mergedForDiff(state.fromDoc, state.toDoc, state.diff) : null), [state]);
  const name = (r: Ref) => (r === 'draft' ? 'draft' : r === 0 ? 'nothing' : `v${r}`);
  return (
    <div className="wmd-overlay" role="dialog" aria-modal="true" aria-label={`Differences ${name(from)} to ${name(to)}`}>
      <div className="wmd-overlay-box">
        <div className="wm-card-head"><h2>Differences: {name(from)} → {name(to)}</h2>
          <button type="button" className="wm-btn wm-btn-small" onClick={onClose} autoFocus>Close</button></div>
        {error && <div className="wm-error" role="alert">{error}</div>}
        {!state && !error && <p className="wm-muted" role="status">Loading…</p>}
        {state && (
          <>
            <p className="wm-small wmd-legend">
              <span className="wmd-key wmd-key-added">{state.diff.nodes.added.length} added</span>
              <span className="wmd-key wmd-key-removed">{state.diff.nodes.removed.length} removed</span>
              <span className="wmd-key wmd-key-changed">{state.diff.nodes.changed.length} changed</span>
              {state.diff.settings?.length ? <span> · settings changed: {state.diff.settings.join(', ')}</span> : null}
              {state.diff.layoutChanged ? <span> · layout moved</span> : null}
            </p>
            <div className="wmd-diff">
              {graph && state.toDoc && <DiffCanvas graph={graph} fields={fields} />}
              <pre className="wmd-textdiff" aria-label="Text diff">{state.diff.textDiff ? state.diff.textDiff.split('\n').map((l, i) => (
                <span key={i} className={l.startsWith('+') && !l.startsWith('+++') ? 'wmd-add' : l.startsWith('-') && !l.startsWith('---') ? 'wmd-del' : l.startsWith('@@') ? 'wmd-hunk' : undefined}>{l}{'\n'}</span>
              )) : 'No differences.'}</pre>
            </div>
          </>
        )}
      </div>
    </div>
  );
}

function DiffCanvas({ graph, fields }: { graph: ReturnType<typeof mergedForDiff>; fields: FieldDef[] }) {
  const nodes: CanvasNodeType[] = graph.nodes.map((n) => {
    const t = nodeText(n.doc, n.id, fields);
    const kind = canvasNodes(n.doc).find((x) => x.id === n.id)?.kind ?? 'end';
    return {
      id: `${n.mark === 'removed' ? 'old:' : ''}${n.id}`, type: 'waymark', position: n.position, draggable: false, connectable: false,
      data: { kind, title: t.title, summary: t.summary, handles: outputHandles(n.doc, n.id), problems: [], warnings: [], diff: n.mark },
    };
  });
  const ids = new Set(graph.nodes.filter((n) => n.mark !== 'removed').map((n) => n.id));
  const edges: RFEdge[] = graph.edges.map((e) => {
    const color = e.mark === 'added' ? 'var(--wm-ok)' : e.mark === 'removed' ? 'var(--wm-danger)' : '#64748b';
    const ref = (x: string) => (e.mark === 'removed' && !ids.has(x) ? `old:${x}` : x);
    return {
      id: `${e.mark ?? ''}:${e.id}`, source: ref(e.source), target: ref(e.target), sourceHandle: e.branch ?? 'out', targetHandle: 'in',
      label: e.branch, style: { stroke: color, strokeWidth: e.mark ? 2.5 : 1.5, strokeDasharray: e.mark === 'removed' ? '6 4' : undefined },
      markerEnd: { type: MarkerType.ArrowClosed, color },
    };
  });
  return (
    <div className="wmd-diff-canvas">
      <ReactFlowProvider>
        <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} nodesDraggable={false} nodesConnectable={false} elementsSelectable={false}
          fitView fitViewOptions={{ padding: 0.1 }} minZoom={0.1} proOptions={{ hideAttribution: true }}>
          <Background gap={20} />
          <Controls showInteractive={false} />
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
}
