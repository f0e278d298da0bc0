/**
 * Converts playbooks and journeys to and from the canvas (nodes + edges + positions)
 * and edits them as documents. Pure functions: the editor keeps the definition as the
 * single source of truth and derives the canvas from it, so the conversion is lossless
 * (definition -> canvas -> definition gives the same JSON when every node has a position).
 */
import dagre from '@dagrejs/dagre';
import type {
  Playbook, PlaybookNode, Edge as PbEdge, Journey, Stage, Transition, Branch, NodeKind, Layout,
} from '../../../engine/schema/definitions.js';

export const TRIGGER_ID = 'trigger';

export type CanvasKind = NodeKind | 'trigger' | 'stage';
export interface CanvasNode {
  id: string;
  kind: CanvasKind;
  position: { x: number; y: number };
}
export interface CanvasEdge {
  id: string;
  source: string;
  target: string;
  /** Handle on the source: the branch (yes/no/timeout) or undefined for the default output. */
  branch?: Branch;
}

export type Doc = Playbook | Journey;

export const NODE_SIZE: Record<CanvasKind, { w: number; h: number }> = {
  trigger: { w: 240, h: 74 }, condition: { w: 240, h: 84 }, wait: { w: 220, h: 74 }, task: { w: 240, h: 84 },
  update: { w: 220, h: 74 }, end: { w: 140, h: 48 }, stage: { w: 240, h: 96 },
};

// ---------- reading ----------

export function canvasNodes(doc: Doc): CanvasNode[] {
  const pos = (id: string) => doc.layout?.nodes[id] ?? { x: 0, y: 0 };
  if (doc.kind === 'playbook') {
    return [
      { id: TRIGGER_ID, kind: 'trigger' as CanvasKind, position: pos(TRIGGER_ID) },
      ...doc.nodes.map((n) => ({ id: n.id, kind: n.kind as CanvasKind, position: pos(n.id) })),
    ];
  }
  return doc.stages.map((s) => ({ id: s.id, kind: 'stage' as CanvasKind, position: pos(s.id) }));
}

export function canvasEdges(doc: Doc): CanvasEdge[] {
  if (doc.kind === 'playbook') return doc.edges.map((e) => ({ id: e.id, source: e.from, target: e.to, branch: e.branch }));
  return doc.transitions.map((t) => ({ id: t.id, source: t.from, target: t.to }));
}

/** Node ids that have no saved position (these get an automatic layout). */
export function missingPositions(doc: Doc): string[] {
  return canvasNodes(doc).map((n) => n.id).filter((id) => !doc.layout?.nodes[id]);
}

// ---------- layout ----------

/** Lays the graph out top to bottom with dagre; returns a position for every node. */
export function autoLayout(doc: Doc): Layout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 60, ranksep: 90, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of canvasNodes(doc)) g.setNode(n.id, { width: NODE_SIZE[n.kind].w, height: NODE_SIZE[n.kind].h });
  for (const e of canvasEdges(doc)) if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const nodes: Layout['nodes'] = {};
  for (const n of canvasNodes(doc)) {
    const p = g.node(n.id) as { x: number; y: number } | undefined;
    const size = NODE_SIZE[n.kind];
    nodes[n.id] = p ? { x: Math.round(p.x - size.w / 2), y: Math.round(p.y - size.h / 2) } : { x: 0, y: 0 };
  }
  return { nodes };
}

/** Adds positions for nodes that lack one; when none have positions, lays out the whole graph. */
export function ensureLayout(doc: Doc): Doc {
  const missing = missingPositions(doc);
  if (missing.length === 0) return doc;
  const all = autoLayout(doc);
  if (!doc.layout || Object.keys(doc.layout.nodes).length === 0) return { ...doc, layout: all };
  const nodes = { ...doc.layout.nodes };
  // Place stragglers below the existing drawing rather than on top of it.
  const maxY = Math.max(0, ...Object.values(nodes).map((p) => p.y));
  missing.forEach((id, i) => { nodes[id] = { x: 40 + i * 260, y: maxY + 140 }; });
  return { ...doc, layout: { nodes } };
}

// ---------- editing ----------

function withLayout(doc: Doc, id: string, p: { x: number; y: number } | null): Layout {
  const nodes = { ...(doc.layout?.nodes ?? {}) };
  if (p) nodes[id] = { x: Math.round(p.x), y: Math.round(p.y) };
  else delete nodes[id];
  return { nodes };
}

export function setPositions(doc: Doc, positions: Record<string, { x: number; y: number }>): Doc {
  const nodes = { ...(doc.layout?.nodes ?? {}) };
  for (const [id, p] of Object.entries(positions)) nodes[id] = { x: Math.round(p.x), y: Math.round(p.y) };
  return { ...doc, layout: { nodes } };
}

/** A fresh id from a base that is not taken: task, task-2, task-3... */
export function freshId(base: string, taken: Iterable<string>): string {
  const set = new Set(taken);
  const clean = base.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 60) || 'node';
  if (!set.has(clean)) return clean;
  for (let i = 2; ; i++) if (!set.has(`${clean}-${i}`)) return `${clean}-${i}`;
}

export function allIds(doc: Doc): string[] {
  if (doc.kind === 'playbook') return [TRIGGER_ID, ...doc.nodes.map((n) => n.id), ...doc.edges.map((e) => e.id)];
  return [...doc.stages.map((s) => s.id), ...doc.transitions.map((t) => t.id)];
}

/** A new playbook node of a kind with sensible defaults, so it is valid once connected. */
export function newPlaybookNode(kind: NodeKind, id: string): PlaybookNode {
  switch (kind) {
    case 'condition': return { id, kind, label: 'Condition', when: true };
    case 'wait': return { id, kind, label: 'Wait', wait: { type: 'duration', duration: { days: 7 } } };
    case 'task': return {
      id, kind, label: 'Task',
      task: { title: 'Follow up with {{account.name}}', type: 'activity', priority: 'medium', owner: { type: 'account-owner' }, dueDays: 7 },
    };
    case 'update': return { id, kind, label: 'Update account', update: { addTags: [] } };
    case 'end': return { id, kind, label: 'End' };
  }
}

export function newStage(id: string, name: string): Stage {
  return { id, name };
}

export function addNode(doc: Doc, kind: CanvasKind, position: { x: number; y: number }): { doc: Doc; id: string } {
  if (doc.kind === 'playbook') {
    if (kind === 'trigger' || kind === 'stage') return { doc, id: '' };
    const id = freshId(kind, allIds(doc));
    const node = newPlaybookNode(kind, id);
    return { doc: { ...doc, nodes: [...doc.nodes, node], layout: withLayout(doc, id, position) }, id };
  }
  const id = freshId('stage', allIds(doc));
  const stage = newStage(id, `New stage`);
  return { doc: { ...doc, stages: [...doc.stages, stage], layout: withLayout(doc, id, position) }, id };
}

/** Removes nodes (never the trigger) and edges, plus every edge touching a removed node. */
export function removeElements(doc: Doc, nodeIds: string[], edgeIds: string[]): Doc {
  const nodes = new Set(nodeIds.filter((id) => id !== TRIGGER_ID || doc.kind !== 'playbook'));
  const edges = new Set(edgeIds);
  const layoutNodes = { ...(doc.layout?.nodes ?? {}) };
  for (const id of nodes) delete layoutNodes[id];
  const layout = doc.layout ? { nodes: layoutNodes } : undefined;
  if (doc.kind === 'playbook') {
    return {
      ...doc,
      nodes: doc.nodes.filter((n) => !nodes.has(n.id)),
      edges: doc.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.from) && !nodes.has(e.to)),
      ...(layout ? { layout } : {}),
    };
  }
  let initialStage = doc.initialStage;
  const stages = doc.stages.filter((s) => !nodes.has(s.id));
  if (nodes.has(initialStage) && stages.length) initialStage = stages[0].id;
  return {
    ...doc,
    initialStage,
    stages: stages.length ? stages : doc.stages,
    transitions: doc.transitions.filter((t) => !edges.has(t.id) && !nodes.has(t.from) && !nodes.has(t.to)),
    ...(layout ? { layout } : {}),
  };
}

/** The branches a node's outputs carry: condition yes/no; task-done/event waits default + timeout. */
export function outputHandles(doc: Doc, nodeId: string): (Branch | undefined)[] {
  if (doc.kind !== 'playbook') return [undefined];
  if (nodeId === TRIGGER_ID) return [undefined];
  const n = doc.nodes.find((x) => x.id === nodeId);
  if (!n || n.kind === 'end') return [];
  if (n.kind === 'condition') return ['yes', 'no'];
  if (n.kind === 'wait' && (n.wait.type === 'task-done' || n.wait.type === 'event')) return [undefined, 'timeout'];
  return [undefined];
}

/**
 * Connects source -> target. A playbook output handle carries one edge (a new connection
 * replaces the old one), which keeps yes/no unambiguous.
 */
export function connect(doc: Doc, source: string, target: string, branch?: Branch): Doc {
  if (source === target) return doc;
  if (doc.kind === 'playbook') {
    if (target === TRIGGER_ID) return doc;
    const edges = doc.edges.filter((e) => !(e.from === source && (e.branch ?? undefined) === branch));
    const id = freshId(`${source}-${branch ?? 'to'}-${target}`, allIds(doc));
    const edge: PbEdge = branch ? { id, from: source, to: target, branch } : { id, from: source, to: target };
    return { ...doc, edges: [...edges, edge] };
  }
  if (doc.transitions.some((t) => t.from === source && t.to === target)) return doc;
  const id = freshId(`${source}-to-${target}`, allIds(doc));
  const t: Transition = { id, from: source, to: target };
  return { ...doc, transitions: [...doc.transitions, t] };
}

export function reconnect(doc: Doc, edgeId: string, source: string, target: string, branch?: Branch): Doc {
  if (doc.kind === 'playbook') {
    const without = { ...doc, edges: doc.edges.filter((e) => e.id !== edgeId) };
    return connect(without, source, target, branch);
  }
  if (source === target || doc.transitions.some((t) => t.id !== edgeId && t.from === source && t.to === target)) return doc;
  return { ...doc, transitions: doc.transitions.map((t) => (t.id === edgeId ? { ...t, from: source, to: target } : t)) };
}

export function updatePlaybookNode(doc: Playbook, id: string, next: PlaybookNode): Playbook {
  let edges = doc.edges;
  if (next.id !== id) edges = edges.map((e) => ({ ...e, from: e.from === id ? next.id : e.from, to: e.to === id ? next.id : e.to }));
  // A node that lost a branch kind loses the edges of that branch (e.g. a wait no longer timing out).
  const handles = outputHandles({ ...doc, nodes: doc.nodes.map((n) => (n.id === id ? next : n)) }, next.id);
  edges = edges.filter((e) => e.from !== next.id || handles.includes(e.branch));
  const layout = doc.layout && next.id !== id ? renameLayout(doc.layout, id, next.id) : doc.layout;
  return { ...doc, nodes: doc.nodes.map((n) => (n.id === id ? next : n)), edges, ...(layout ? { layout } : {}) };
}

export function updateStage(doc: Journey, id: string, next: Stage): Journey {
  const transitions = next.id === id ? doc.transitions : doc.transitions.map((t) => ({ ...t, from: t.from === id ? next.id : t.from, to: t.to === id ? next.id : t.to }));
  const layout = doc.layout && next.id !== id ? renameLayout(doc.layout, id, next.id) : doc.layout;
  return {
    ...doc,
    initialStage: doc.initialStage === id ? next.id : doc.initialStage,
    stages: doc.stages.map((s) => (s.id === id ? next : s)),
    transitions,
    ...(layout ? { layout } : {}),
  };
}

function renameLayout(layout: Layout, from: string, to: string): Layout {
  const nodes: Layout['nodes'] = {};
  for (const [k, v] of Object.entries(layout.nodes)) nodes[k === from ? to : k] = v;
  return { nodes };
}

// ---------- clipboard ----------

export interface Clip {
  kind: Doc['kind'];
  nodes: (PlaybookNode | Stage)[];
  edges: (PbEdge | Transition)[];
  positions: Record<string, { x: number; y: number }>;
}

export function copySelection(doc: Doc, nodeIds: string[]): Clip {
  const ids = new Set(nodeIds.filter((id) => id !== TRIGGER_ID));
  const positions: Clip['positions'] = {};
  for (const id of ids) if (doc.layout?.nodes[id]) positions[id] = doc.layout.nodes[id];
  if (doc.kind === 'playbook') {
    return {
      kind: 'playbook', positions,
      nodes: doc.nodes.filter((n) => ids.has(n.id)),
      edges: doc.edges.filter((e) => ids.has(e.from) && ids.has(e.to)),
    };
  }
  return {
    kind: 'journey', positions,
    nodes: doc.stages.filter((s) => ids.has(s.id)),
    edges: doc.transitions.filter((t) => ids.has(t.from) && ids.has(t.to)),
  };
}

/** Pastes a clip with fresh ids, offset so the copies do not cover the originals. Returns the new node ids. */
export function pasteClip(doc: Doc, clip: Clip, offset = { x: 40, y: 40 }): { doc: Doc; ids: string[] } {
  if (clip.kind !== doc.kind || clip.nodes.length === 0) return { doc, ids: [] };
  const taken = new Set(allIds(doc));
  const rename = new Map<string, string>();
  for (const n of clip.nodes) {
    const id = freshId(n.id.replace(/-copy(-\d+)?$/, '') + '-copy', taken);
    taken.add(id);
    rename.set(n.id, id);
  }
  const layoutNodes = { ...(doc.layout?.nodes ?? {}) };
  for (const [old, id] of rename) {
    const p = clip.positions[old] ?? { x: 0, y: 0 };
    layoutNodes[id] = { x: p.x + offset.x, y: p.y + offset.y };
  }
  const newEdges = clip.edges.map((e) => {
    const id = freshId(`${rename.get(e.from)}-to-${rename.get(e.to)}`, taken);
    taken.add(id);
    return { ...e, id, from: rename.get(e.from)!, to: rename.get(e.to)! };
  });
  if (doc.kind === 'playbook') {
    const nodes = (clip.nodes as PlaybookNode[]).map((n) => remapTaskRefs({ ...n, id: rename.get(n.id)! } as PlaybookNode, rename));
    return { doc: { ...doc, nodes: [...doc.nodes, ...nodes], edges: [...doc.edges, ...(newEdges as PbEdge[])], layout: { nodes: layoutNodes } }, ids: [...rename.values()] };
  }
  const stages = (clip.nodes as Stage[]).map((s) => ({ ...s, id: rename.get(s.id)!, name: `${s.name} (copy)` }));
  return { doc: { ...doc, stages: [...doc.stages, ...stages], transitions: [...doc.transitions, ...(newEdges as Transition[])], layout: { nodes: layoutNodes } }, ids: [...rename.values()] };
}

/** A pasted task-done wait that pointed at a pasted task points at the copy. */
function remapTaskRefs(n: PlaybookNode, rename: Map<string, string>): PlaybookNode {
  if (n.kind === 'wait' && n.wait.type === 'task-done' && rename.has(n.wait.task)) {
    return { ...n, wait: { ...n.wait, task: rename.get(n.wait.task)! } };
  }
  return n;
}

// ---------- new definitions ----------

export function blankPlaybook(id: string, name: string): Playbook {
  return {
    $schema: './schema/waymark.schema.json',
    kind: 'playbook', id, name,
    trigger: { type: 'manual' },
    reentry: { policy: 'after-exit' },
    nodes: [{ id: 'end', kind: 'end', label: 'End' }],
    edges: [{ id: 'trigger-to-end', from: TRIGGER_ID, to: 'end' }],
    layout: { nodes: { [TRIGGER_ID]: { x: 0, y: 0 }, end: { x: 50, y: 200 } } },
  };
}

export function blankJourney(id: string, name: string): Journey {
  return {
    $schema: './schema/waymark.schema.json',
    kind: 'journey', id, name,
    initialStage: 'onboarding',
    stages: [{ id: 'onboarding', name: 'Onboarding', targetDays: 60 }],
    transitions: [],
    layout: { nodes: { onboarding: { x: 0, y: 0 } } },
  };
}

/** A readable one-line summary of a node for the canvas. */
export function labelOf(doc: Doc, id: string): string {
  if (doc.kind === 'playbook') {
    if (id === TRIGGER_ID) return 'Trigger';
    const n = doc.nodes.find((x) => x.id === id);
    return n ? n.label || n.id : id;
  }
  const s = doc.stages.find((x) => x.id === id);
  return s ? s.name : id;
}

/** Room a node needs on the canvas (its card is about 220 x 80) plus a gap. */
const CLEAR_X = 250;
const CLEAR_Y = 120;

/**
 * The nearest position to `want` whose node card would not overlap any of `taken` (top-left
 * corners): rings of candidates one node width / height apart, the closest free one first.
 */
export function freeSpot(taken: { x: number; y: number }[], want: { x: number; y: number }): { x: number; y: number } {
  const clear = (p: { x: number; y: number }) => taken.every((q) => Math.abs(q.x - p.x) >= CLEAR_X || Math.abs(q.y - p.y) >= CLEAR_Y);
  if (clear(want)) return want;
  for (let ring = 1; ring <= 12; ring++) {
    const candidates: { x: number; y: number }[] = [];
    for (let i = -ring; i <= ring; i++) {
      for (let j = -ring; j <= ring; j++) {
        if (Math.max(Math.abs(i), Math.abs(j)) !== ring) continue;
        candidates.push({ x: want.x + i * CLEAR_X, y: want.y + j * CLEAR_Y });
      }
    }
    candidates.sort((a, b) => Math.hypot(a.x - want.x, a.y - want.y) - Math.hypot(b.x - want.x, b.y - want.y));
    const hit = candidates.find(clear);
    if (hit) return hit;
  }
  // A crowded canvas: below everything.
  return { x: want.x, y: Math.max(...taken.map((q) => q.y)) + CLEAR_Y };
}

/**
 * A journey transition back up the canvas (to a stage drawn above its source, e.g. Renewal back to
 * Adoption) leaves and enters on the right and is drawn as a bracket beside the stages, so it does
 * not run over the forward transition between the same stages and its label sits apart from theirs.
 */
export function journeyEdgeRoute(source: { y: number } | undefined, target: { y: number } | undefined): { back: boolean; sourceHandle: string; targetHandle: string } {
  const back = !!source && !!target && target.y < source.y;
  return back ? { back, sourceHandle: 'back', targetHandle: 'back-in' } : { back, sourceHandle: 'out', targetHandle: 'in' };
}
