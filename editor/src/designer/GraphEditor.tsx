/// <reference types="vite/client" />
/**
 * The graph editor for playbooks and journeys: palette, canvas, side panel (inspector,
 * problems, preview, history), undo/redo, copy/paste, live validation, save and publish.
 *
 * The definition is the single source of truth (kept in an undo history); the React Flow
 * nodes and edges are derived from it on every render, with selection, measured sizes and
 * in-flight drag positions kept beside it.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import {
  ReactFlow, ReactFlowProvider, Background, Controls, MiniMap, MarkerType, useReactFlow,
  type Edge as RFEdge, type NodeChange, type EdgeChange, type Connection, type OnDelete,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import type { Branch, FieldDef, Journey, NodeKind, Playbook, Scorecard } from '../../../engine/schema/definitions.js';
import {
  TRIGGER_ID, canvasNodes, canvasEdges, addNode, freeSpot, removeElements, connect, reconnect, outputHandles, setPositions,
  autoLayout, copySelection, pasteClip, journeyEdgeRoute, type Clip, type Doc, type CanvasKind,
} from './graph-model.js';
import { nodeTypes, KIND_META, type CanvasNodeType, type NodeData } from './canvas-nodes.js';
import { nodeText } from './summaries.js';
import { useHistory } from './use-history.js';
import { validateSafe, describeRuleSafe, browserCanValidate, type Problem } from './engine-bridge.js';
import { definitionsApi, type DefinitionRecord } from './designer-api.js';
import { Inspector } from './Inspector.js';
import { ProblemsPanel } from './ProblemsPanel.js';
import { PreviewPanel, type PreviewDecor } from './PreviewPanel.js';
import { VersionsPanel } from './VersionsPanel.js';
import { PublishDialog } from './PublishDialog.js';
import { builderFields, type BuilderField } from './rule-model.js';
import { STAGE_COUNT_LABEL, useJourneyCounts } from './journey-counts.js';
import { Link, useLeaveGuard } from '../app/router.js';

export interface EditorContext {
  fields: FieldDef[];
  journeys: Journey[];
  scorecards: Scorecard[];
  canPublish: boolean;
  canEdit: boolean;
}

type Tab = 'inspect' | 'problems' | 'preview' | 'history';

const PLAYBOOK_PALETTE: NodeKind[] = ['condition', 'wait', 'task', 'update', 'end'];

export function GraphEditor(props: { record: DefinitionRecord; ctx: EditorContext; onSaved: () => void }) {
  return (
    <ReactFlowProvider>
      <EditorInner {...props} />
    </ReactFlowProvider>
  );
}

function isEditableTarget(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

function EditorInner({ record, ctx, onSaved }: { record: DefinitionRecord; ctx: EditorContext; onSaved: () => void }) {
  const initial = record.definition as Doc;
  const { doc, set, undo, redo, canUndo, canRedo } = useHistory<Doc>(initial);
  const [savedJson, setSavedJson] = useState(() => JSON.stringify(initial));
  const dirty = JSON.stringify(doc) !== savedJson;
  const [selectedNodes, setSelectedNodes] = useState<Set<string>>(new Set());
  const [selectedEdges, setSelectedEdges] = useState<Set<string>>(new Set());
  const [measured, setMeasured] = useState<Record<string, { width: number; height: number }>>({});
  const [dragPos, setDragPos] = useState<Record<string, { x: number; y: number }>>({});
  const [tab, setTab] = useState<Tab>('inspect');
  const [problems, setProblems] = useState<Problem[]>(record.problems ?? []);
  const [checking, setChecking] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [publishOpen, setPublishOpen] = useState(false);
  const [saving, setSaving] = useState(false);
  const [status, setStatus] = useState<{ text: string; kind: 'ok' | 'error' } | null>(null);
  const [preview, setPreview] = useState<PreviewDecor | null>(null);
  const [liveVersion, setLiveVersion] = useState<number | null>(record.liveVersion);
  const clip = useRef<Clip | null>(null);
  const pasteCount = useRef(0);
  const wrapper = useRef<HTMLDivElement>(null);
  const rf = useReactFlow();

  // ----- live validation, debounced so typing stays smooth -----
  const [checkError, setCheckError] = useState<string | null>(null);
  useEffect(() => {
    setChecking(true);
    let current = true;
    const t = setTimeout(async () => {
      const vctx = { fields: ctx.fields, journeys: ctx.journeys, scorecards: ctx.scorecards };
      try {
        const next = (await browserCanValidate())
          ? validateSafe(doc, vctx)
          : (await definitionsApi.validate(doc as Playbook)).problems;
        if (current) { setProblems(next); setCheckError(null); }
      } catch (e) {
        if (current) setCheckError(`Could not check the draft: ${(e as Error).message}`);
      } finally {
        if (current) setChecking(false);
      }
    }, 350);
    return () => { current = false; clearTimeout(t); };
  }, [doc, ctx.fields, ctx.journeys, ctx.scorecards]);
  const errors = problems.filter((p) => p.severity === 'error');
  const warnings = problems.filter((p) => p.severity === 'warning');

  // ----- unsaved-changes warning: closing the tab (the browser asks), in-app links and Back/Forward -----
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => { e.preventDefault(); e.returnValue = ''; };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [dirty]);
  useLeaveGuard(dirty, 'You have unsaved changes to this definition. Leave without saving?');

  const builder: BuilderField[] = useMemo(() => builderFields(ctx.fields, {
    journeys: ctx.journeys.map((j) => ({ id: j.id, name: j.name, stages: j.stages.map((s) => s.id) })),
    measures: ctx.scorecards.flatMap((s) => s.measures),
  }), [ctx.fields, ctx.journeys, ctx.scorecards]);

  const stageCounts = useJourneyCounts(doc.kind === 'journey' ? (doc as Journey) : null, record.liveVersion != null);

  // ----- derived canvas -----
  const problemsByNode = useMemo(() => {
    const m = new Map<string, { e: string[]; w: string[] }>();
    const add = (id: string | undefined, p: Problem) => {
      if (!id) return;
      const entry = m.get(id) ?? { e: [], w: [] };
      (p.severity === 'error' ? entry.e : entry.w).push(p.message);
      m.set(id, entry);
    };
    for (const p of problems) {
      add(p.nodeId ?? (p.edgeId ? undefined : triggerLike(p.path) ? TRIGGER_ID : undefined), p);
      if (p.edgeId) add(`edge:${p.edgeId}`, p);
    }
    return m;
  }, [problems]);

  const nodes: CanvasNodeType[] = useMemo(() => canvasNodes(doc).map((n) => {
    const text = nodeText(doc, n.id, ctx.fields);
    const pr = problemsByNode.get(n.id);
    const data: NodeData = {
      kind: n.kind, title: text.title, summary: text.summary,
      handles: outputHandles(doc, n.id), problems: pr?.e ?? [], warnings: pr?.w ?? [],
      initial: doc.kind === 'journey' && doc.initialStage === n.id,
    };
    if (preview?.path.has(n.id)) { data.onPath = true; data.reason = preview.path.get(n.id); }
    if (preview?.counts) { data.count = preview.counts[n.id] ?? 0; data.countLabel = 'Accounts that would reach this node'; }
    else if (stageCounts && doc.kind === 'journey') { data.count = stageCounts[n.id] ?? null; data.countLabel = STAGE_COUNT_LABEL; }
    return {
      id: n.id, type: 'waymark', position: dragPos[n.id] ?? n.position, data,
      selected: selectedNodes.has(n.id), deletable: n.id !== TRIGGER_ID,
      ...(measured[n.id] ? { measured: measured[n.id] } : {}),
    };
  }), [doc, ctx.fields, problemsByNode, preview, stageCounts, dragPos, selectedNodes, measured]);

  const positions = useMemo(() => new Map(nodes.map((n) => [n.id, n.position])), [nodes]);
  const edges: RFEdge[] = useMemo(() => canvasEdges(doc).map((e) => {
    const pr = problemsByNode.get(`edge:${e.id}`);
    const invalid = !!pr?.e.length;
    const onPath = preview && preview.path.has(e.source) && preview.path.has(e.target);
    // Branch names sit on the handles; edges carry the branch colour instead of a second label.
    let label: string | undefined;
    if (doc.kind === 'journey') {
      const t = doc.transitions.find((x) => x.id === e.id);
      if (t?.when !== undefined) label = truncate(describeRuleSafe(t.when, ctx.fields) ?? 'condition', 48);
    }
    if (invalid) label = truncate(pr!.e[0], 60);
    const color = invalid ? 'var(--wm-danger)' : onPath ? 'var(--wm-accent)' : e.branch === 'yes' ? '#3f9a6b' : e.branch === 'no' ? '#d9776f' : e.branch === 'timeout' ? '#c99a45' : '#64748b';
    const route = doc.kind === 'journey' ? journeyEdgeRoute(positions.get(e.source), positions.get(e.target)) : null;
    return {
      id: e.id, source: e.source, target: e.target, sourceHandle: route?.sourceHandle ?? e.branch ?? 'out', targetHandle: route?.targetHandle ?? 'in',
      ...(route?.back ? { type: 'smoothstep', pathOptions: { offset: 40, borderRadius: 14 } } : {}),
      label, selected: selectedEdges.has(e.id), className: invalid ? 'wmd-edge-invalid' : undefined,
      style: { stroke: color, strokeWidth: onPath || invalid ? 3 : 1.5 },
      markerEnd: { type: MarkerType.ArrowClosed, color },
      labelStyle: { fill: invalid ? 'var(--wm-danger)' : 'var(--wm-fg)', fontSize: 11 },
      labelBgStyle: { fill: 'var(--wm-surface)' },
      ariaLabel: `${e.source} to ${e.target}${e.branch ? ` (${e.branch})` : ''}${invalid ? ': ' + pr!.e.join('; ') : ''}`,
      data: { problems: pr?.e ?? [] },
    } satisfies RFEdge;
  }), [doc, problemsByNode, preview, selectedEdges, ctx.fields, positions]);

  // ----- canvas events -----
  const onNodesChange = useCallback((changes: NodeChange<CanvasNodeType>[]) => {
    const commitPositions: Record<string, { x: number; y: number }> = {};
    let sel: Set<string> | null = null;
    for (const c of changes) {
      if (c.type === 'dimensions' && c.dimensions) {
        const dim = c.dimensions;
        setMeasured((m) => (m[c.id]?.width === dim.width && m[c.id]?.height === dim.height ? m : { ...m, [c.id]: dim }));
      } else if (c.type === 'position') {
        if (c.dragging && c.position) { const p = c.position; setDragPos((d) => ({ ...d, [c.id]: p })); }
        else if (c.dragging === false) {
          const p = c.position ?? dragPosRef.current[c.id];
          if (p) commitPositions[c.id] = p;
        }
      } else if (c.type === 'select') {
        sel = sel ?? new Set(selectedNodesRef.current);
        if (c.selected) sel.add(c.id); else sel.delete(c.id);
      }
    }
    if (sel) setSelectedNodes(sel);
    if (Object.keys(commitPositions).length) {
      set(setPositions(docRef.current, commitPositions));
      setDragPos({});
    }
  }, [set]);

  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    let sel: Set<string> | null = null;
    for (const c of changes) {
      if (c.type === 'select') {
        sel = sel ?? new Set(selectedEdgesRef.current);
        if (c.selected) sel.add(c.id); else sel.delete(c.id);
      }
    }
    if (sel) setSelectedEdges(sel);
  }, []);

  const onDelete: OnDelete = useCallback(({ nodes: ns, edges: es }) => {
    set(removeElements(docRef.current, ns.map((n) => n.id), es.map((e) => e.id)));
    setSelectedNodes(new Set());
    setSelectedEdges(new Set());
  }, [set]);

  const onConnect = useCallback((c: Connection) => {
    const branch = c.sourceHandle && c.sourceHandle !== 'out' && c.sourceHandle !== 'back' ? (c.sourceHandle as Branch) : undefined;
    set(connect(docRef.current, c.source, c.target, branch));
  }, [set]);

  // Dragging an existing edge's end onto another node moves that edge (its branch stays with the source handle).
  const onReconnect = useCallback((old: RFEdge, c: Connection) => {
    const branch = c.sourceHandle && c.sourceHandle !== 'out' && c.sourceHandle !== 'back' ? (c.sourceHandle as Branch) : undefined;
    set(reconnect(docRef.current, old.id, c.source, c.target, branch));
  }, [set]);

  const isValidConnection = useCallback((c: Connection | RFEdge) => c.source !== c.target && c.target !== TRIGGER_ID, []);

  // refs so stable callbacks read the latest state
  const docRef = useRef(doc); docRef.current = doc;
  const selectedNodesRef = useRef(selectedNodes); selectedNodesRef.current = selectedNodes;
  const selectedEdgesRef = useRef(selectedEdges); selectedEdgesRef.current = selectedEdges;
  const dragPosRef = useRef(dragPos); dragPosRef.current = dragPos;

  const selectOnly = useCallback((ids: string[]) => { setSelectedNodes(new Set(ids)); setSelectedEdges(new Set()); setTab('inspect'); }, []);

  /** Adds a node; with one node selected, places it below and connects it (keyboard-friendly). */
  const addKind = useCallback((kind: CanvasKind, at?: { x: number; y: number }) => {
    let d = docRef.current;
    let pos = at;
    const sel = [...selectedNodesRef.current];
    const from = !at && sel.length === 1 ? sel[0] : null;
    // Where the nodes are drawn (the layout, or the automatic one for nodes without a spot).
    const taken = rf.getNodes().map((n) => n.position);
    if (!pos && from) {
      // Below the selected node, or the nearest free spot to it.
      const p = d.layout?.nodes[from] ?? rf.getNode(from)?.position ?? { x: 0, y: 0 };
      pos = freeSpot(taken, { x: p.x, y: p.y + 150 });
    }
    if (!pos) {
      // The middle of the visible canvas, or the nearest free spot to it; then it is scrolled into view.
      const box = wrapper.current?.getBoundingClientRect();
      const center = box ? rf.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 }) : { x: 0, y: 0 };
      pos = freeSpot(taken, { x: center.x - 110, y: center.y - 40 });
    }
    const res = addNode(d, kind, pos);
    d = res.doc;
    if (from && res.id) d = attachAfter(d, from, res.id);
    set(d);
    if (res.id) {
      selectOnly([res.id]);
      if (!at) rf.setCenter(pos.x + 110, pos.y + 40, { zoom: rf.getZoom(), duration: 200 });
    }
  }, [rf, set, selectOnly]);

  const onDragOver = (e: DragEvent) => {
    if (e.dataTransfer.types.includes('application/x-waymark-node')) { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; }
  };
  const onDrop = (e: DragEvent) => {
    const kind = e.dataTransfer.getData('application/x-waymark-node') as CanvasKind;
    if (!kind) return;
    e.preventDefault();
    const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
    addKind(kind, { x: p.x - 110, y: p.y - 30 });
  };

  const tidy = useCallback(() => {
    set({ ...docRef.current, layout: autoLayout(docRef.current) });
    setTimeout(() => rf.fitView({ padding: 0.15, maxZoom: 1, duration: 200 }), 50);
  }, [rf, set]);

  const focusNode = useCallback((id: string) => {
    selectOnly([id]);
    const p = docRef.current.layout?.nodes[id];
    if (p) rf.setCenter(p.x + 110, p.y + 40, { zoom: Math.max(rf.getZoom(), 0.9), duration: 250 });
  }, [rf, selectOnly]);

  // ----- save / publish -----
  const save = useCallback(async (): Promise<boolean> => {
    setSaving(true);
    setStatus(null);
    try {
      const d = docRef.current;
      const res = await definitionsApi.save(d.id, d as Playbook);
      setSavedJson(JSON.stringify(d));
      const n = res?.problems?.filter((p) => p.severity === 'error').length ?? 0;
      setStatus({ text: n ? `Draft saved with ${n} error${n === 1 ? '' : 's'} to fix before publishing.` : 'Draft saved.', kind: 'ok' });
      onSaved();
      return true;
    } catch (e) {
      setStatus({ text: `Could not save: ${(e as Error).message}`, kind: 'error' });
      return false;
    } finally {
      setSaving(false);
    }
  }, [onSaved]);

  // ----- keyboard shortcuts -----
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === 's') { e.preventDefault(); if (ctx.canEdit) void save(); return; }
      if (isEditableTarget(e.target)) return;
      if (mod && e.key.toLowerCase() === 'z') { e.preventDefault(); if (e.shiftKey) redo(); else undo(); return; }
      if (mod && e.key.toLowerCase() === 'y') { e.preventDefault(); redo(); return; }
      if (mod && e.key.toLowerCase() === 'c') {
        if (selectedNodesRef.current.size) { clip.current = copySelection(docRef.current, [...selectedNodesRef.current]); pasteCount.current = 0; }
        return;
      }
      if (mod && e.key.toLowerCase() === 'v') {
        if (!clip.current) return;
        e.preventDefault();
        pasteCount.current += 1;
        const res = pasteClip(docRef.current, clip.current, { x: 40 * pasteCount.current, y: 40 * pasteCount.current });
        set(res.doc);
        selectOnly(res.ids);
        return;
      }
      if (mod && e.key.toLowerCase() === 'a') { e.preventDefault(); setSelectedNodes(new Set(canvasNodes(docRef.current).map((n) => n.id))); return; }
      if (e.key === '?') { setHelpOpen((o) => !o); return; }
      if (e.key === 'Escape') { setSelectedNodes(new Set()); setSelectedEdges(new Set()); setHelpOpen(false); return; }
      if (!mod && !e.altKey && docRef.current.kind === 'playbook') {
        const k = { c: 'condition', w: 'wait', t: 'task', u: 'update', e: 'end' }[e.key.toLowerCase()] as NodeKind | undefined;
        if (k && ctx.canEdit) { e.preventDefault(); addKind(k); return; }
      }
      if (!mod && e.key.toLowerCase() === 's' && docRef.current.kind === 'journey' && ctx.canEdit) { e.preventDefault(); addKind('stage'); return; }
      if (!mod && e.key.toLowerCase() === 'f') { rf.fitView({ padding: 0.15, maxZoom: 1, duration: 200 }); return; }
      if (!mod && e.key.toLowerCase() === 'l') { tidy(); return; }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [undo, redo, set, save, addKind, selectOnly, tidy, rf, ctx.canEdit]);

  const publishBlocked = checkError ? 'The draft could not be checked.' : errors.length > 0 ? `Fix ${errors.length} error${errors.length === 1 ? '' : 's'} first (see Problems).`
    : !ctx.canPublish ? 'Publishing needs the publisher role.'
      : checking ? 'Checking…' : '';

  const selNodes = [...selectedNodes];
  const selEdges = [...selectedEdges];

  return (
    <div className="wmd-editor" data-dirty={dirty ? 'true' : 'false'}>
      <div className="wmd-toolbar" role="toolbar" aria-label="Editor">
        <div className="wmd-title">
          <Link to="/library" className="wmd-back">← Library</Link>
          <span className="wm-badge">{doc.kind}</span>
          <strong className="wmd-name" title={doc.name}>{doc.name}</strong>
          <span className="wm-muted wm-small">{liveVersion ? `live v${liveVersion}` : 'draft only'}{dirty ? ' · unsaved changes' : ''}</span>
        </div>
        <div className="wmd-tools">
          <button type="button" className="wm-btn wm-btn-small" onClick={undo} disabled={!canUndo} title="Undo (Ctrl+Z)">↶ Undo</button>
          <button type="button" className="wm-btn wm-btn-small" onClick={redo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)">↷ Redo</button>
          <button type="button" className="wm-btn wm-btn-small" onClick={tidy} title="Lay the graph out automatically (L)">Tidy up</button>
          <span className="wmd-help-wrap">
            <button type="button" className="wm-btn wm-btn-small" aria-expanded={helpOpen} aria-controls="wmd-help" onClick={() => setHelpOpen(!helpOpen)} title="Keyboard shortcuts (?)">?</button>
            {helpOpen && <ShortcutHelp kind={doc.kind} onClose={() => setHelpOpen(false)} />}
          </span>
          <span className={'wmd-valid ' + (errors.length ? 'wmd-valid-bad' : warnings.length ? 'wmd-valid-warn' : 'wmd-valid-ok')} role="status">
            {checking ? 'Checking…' : errors.length ? `${errors.length} error${errors.length === 1 ? '' : 's'}` : warnings.length ? `${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : 'Valid'}
          </span>
          <button type="button" className="wm-btn wm-btn-small" disabled={!ctx.canEdit || saving || !dirty} onClick={() => void save()} title="Save the draft (Ctrl+S)">{saving ? 'Saving…' : 'Save draft'}</button>
          <span className="wmd-tip-wrap" title={publishBlocked || 'Publish a new live version'}>
            <button type="button" className="wm-btn wm-btn-primary wm-btn-small" disabled={!!publishBlocked} aria-describedby={publishBlocked ? 'wmd-publish-why' : undefined}
              onClick={() => setPublishOpen(true)}>Publish…</button>
            {publishBlocked && <span id="wmd-publish-why" className="wm-visually-hidden">{publishBlocked}</span>}
          </span>
        </div>
      </div>
      {checkError && <div className="wmd-status wmd-status-error" role="alert">{checkError}</div>}
      {status && <div className={`wmd-status wmd-status-${status.kind}`} role={status.kind === 'error' ? 'alert' : 'status'}>{status.text}<button type="button" className="wm-btn wm-btn-ghost wm-btn-small" aria-label="Dismiss" onClick={() => setStatus(null)}>✕</button></div>}
      <div className="wmd-body">
        {ctx.canEdit && (
          <nav className="wmd-palette" aria-label="Add a node">
            <div className="wmd-palette-title">Add</div>
            {(doc.kind === 'playbook' ? PLAYBOOK_PALETTE : (['stage'] as CanvasKind[])).map((k) => (
              <button key={k} type="button" className={`wmd-palette-item wmd-pal-${k}`} draggable data-kind={k}
                onDragStart={(e) => { e.dataTransfer.setData('application/x-waymark-node', k); e.dataTransfer.effectAllowed = 'move'; }}
                onClick={() => addKind(k)} title={`${KIND_META[k].hint}. Drag onto the canvas, or click to add${selNodes.length === 1 ? ' after the selected node' : ''}.`}>
                <span aria-hidden="true">{KIND_META[k].icon}</span> {KIND_META[k].label}
              </button>
            ))}
            <p className="wm-muted wmd-palette-hint">Drag onto the canvas or click. Connect by dragging from a node's bottom handle.</p>
          </nav>
        )}
        <div className="wmd-canvas" ref={wrapper} onDragOver={onDragOver} onDrop={onDrop} aria-label="Canvas">
          <ReactFlow
            nodes={nodes} edges={edges} nodeTypes={nodeTypes}
            onNodesChange={onNodesChange} onEdgesChange={onEdgesChange} onDelete={onDelete}
            onConnect={onConnect} onReconnect={onReconnect} edgesReconnectable={ctx.canEdit} isValidConnection={isValidConnection}
            nodesDraggable={ctx.canEdit} nodesConnectable={ctx.canEdit} elementsSelectable
            deleteKeyCode={ctx.canEdit ? ['Delete', 'Backspace'] : null}
            multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
            onPaneClick={() => setTab('inspect')}
            fitView fitViewOptions={{ padding: 0.15, maxZoom: 1 }} minZoom={0.2} maxZoom={2}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={20} />
            <Controls showInteractive={false} />
            <MiniMap pannable zoomable ariaLabel="Overview" style={{ width: 140, height: 96 }} nodeColor={(n) => ((n.data as NodeData).problems.length ? '#e8a19b' : '#cbd5e1')} />
          </ReactFlow>
          {preview && (
            <div className="wmd-preview-banner" role="status">
              {preview.label}
              <button type="button" className="wm-btn wm-btn-small" onClick={() => setPreview(null)}>Clear preview</button>
            </div>
          )}
        </div>
        <aside className="wmd-side" aria-label="Details">
          <div className="wmd-tabs" role="tablist">
            {(['inspect', 'problems', 'preview', 'history'] as Tab[]).map((t) => (
              <button key={t} type="button" role="tab" aria-selected={tab === t} className={'wmd-tab' + (tab === t ? ' wmd-tab-on' : '')} onClick={() => setTab(t)}>
                {t === 'inspect' ? 'Inspector' : t === 'problems' ? `Problems${problems.length ? ` (${problems.length})` : ''}` : t === 'preview' ? 'Preview' : 'History'}
              </button>
            ))}
          </div>
          <div className="wmd-side-body" role="tabpanel">
            {tab === 'inspect' && (
              <Inspector doc={doc} onChange={(d, key) => set(d, key)} selectedNodes={selNodes} selectedEdges={selEdges}
                ctx={ctx} builder={builder} problems={problems} readOnly={!ctx.canEdit} />
            )}
            {tab === 'problems' && <ProblemsPanel problems={problems} doc={doc} onFocus={(p) => {
              if (p.nodeId) focusNode(p.nodeId);
              else if (p.edgeId) { setSelectedNodes(new Set()); setSelectedEdges(new Set([p.edgeId])); setTab('inspect'); }
              else { setSelectedNodes(new Set()); setSelectedEdges(new Set()); setTab('inspect'); }
            }} />}
            {tab === 'preview' && <PreviewPanel doc={doc} onDecor={setPreview} decor={preview} fields={builder} />}
            {tab === 'history' && <VersionsPanel id={doc.id} doc={doc} fields={ctx.fields} dirty={dirty} />}
          </div>
        </aside>
      </div>
      {publishOpen && (
        <PublishDialog doc={doc} dirty={dirty} liveVersion={liveVersion} onClose={() => setPublishOpen(false)} save={save}
          onPublished={(v, summary) => { setLiveVersion(v); setPublishOpen(false); setStatus({ text: summary, kind: 'ok' }); onSaved(); }} />
      )}
    </div>
  );
}

/**
 * Connects a node added "after" the selected one: to a free output when there is one;
 * otherwise it is inserted on the first output's edge (from -> new -> old target).
 */
export function attachAfter(d: Doc, from: string, added: string): Doc {
  if (d.kind === 'journey') return connect(d, from, added);
  const handles = outputHandles(d, from);
  if (!handles.length) return d;
  const used = new Map(d.edges.filter((e) => e.from === from).map((e) => [e.branch ?? 'out', e] as const));
  const free = handles.findIndex((b) => !used.has(b ?? 'out'));
  if (free >= 0) return connect(d, from, added, handles[free]);
  const old = used.get(handles[0] ?? 'out')!;
  const addedOut = outputHandles(d, added);
  let next = connect(d, from, added, handles[0]);
  if (addedOut.length) next = connect(next, added, old.to, addedOut[0]);
  return next;
}

function triggerLike(path: string): boolean {
  return /^\/(trigger|audience|reentry|exit)/.test(path);
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

function ShortcutHelp({ kind, onClose }: { kind: Doc['kind']; onClose: () => void }) {
  const rows: [string, string][] = [
    ...(kind === 'playbook'
      ? [['C / W / T / U / E', 'Add condition / wait / task / update / end (after the selected node)'] as [string, string]]
      : [['S', 'Add a stage (after the selected stage)'] as [string, string]]),
    ['Delete / Backspace', 'Delete the selection'],
    ['Shift + click, Shift + drag', 'Select several'],
    ['Ctrl + A', 'Select all'],
    ['Ctrl + C / Ctrl + V', 'Copy / paste nodes'],
    ['Ctrl + Z', 'Undo'],
    ['Ctrl + Shift + Z, Ctrl + Y', 'Redo'],
    ['Ctrl + S', 'Save the draft'],
    ['F', 'Fit the graph in view'],
    ['L', 'Tidy up (automatic layout)'],
    ['Esc', 'Clear the selection'],
    ['?', 'Show or hide this help'],
  ];
  return (
    <div id="wmd-help" className="wmd-popover" role="dialog" aria-label="Keyboard shortcuts">
      <div className="wmd-popover-head"><strong>Keyboard shortcuts</strong>
        <button type="button" className="wm-btn wm-btn-ghost wm-btn-small" aria-label="Close" onClick={onClose}>✕</button></div>
      <table className="wmd-keys"><tbody>{rows.map(([k, v]) => <tr key={k}><th><kbd>{k}</kbd></th><td>{v}</td></tr>)}</tbody></table>
    </div>
  );
}

