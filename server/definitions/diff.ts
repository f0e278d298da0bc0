/**
 * Differences between two versions of a definition: what changed in the graph (by id)
 * and a unified text diff of the formatted files, as a reviewer reads them in git.
 */
import type { Definition } from '../../engine/schema/definitions.js';

export interface IdChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface DefinitionDiff {
  kind: Definition['kind'];
  /** Playbook nodes, journey stages, scorecard measures or dictionary fields, by id. */
  nodes: IdChanges;
  /** Playbook edges or journey transitions, by id. */
  edges: IdChanges;
  /** Journeys only: the same as nodes, under the name a journey uses. */
  stages?: IdChanges;
  /** Top-level settings that changed (name, trigger, audience, reentry, exit, bands...). */
  settings: string[];
  /** True when only editor positions moved. */
  layoutChanged: boolean;
  textDiff: string;
}

type Keyed = { id?: string; name?: string };

function byKey(items: unknown, key: 'id' | 'name'): Map<string, string> {
  const m = new Map<string, string>();
  if (Array.isArray(items)) for (const it of items as Keyed[]) {
    const k = it && typeof it === 'object' ? it[key] : undefined;
    if (typeof k === 'string') m.set(k, stableJson(it));
  }
  return m;
}

export function diffIds(a: Map<string, string>, b: Map<string, string>): IdChanges {
  const added: string[] = [], removed: string[] = [], changed: string[] = [];
  for (const [k, v] of b) {
    if (!a.has(k)) added.push(k);
    else if (a.get(k) !== v) changed.push(k);
  }
  for (const k of a.keys()) if (!b.has(k)) removed.push(k);
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}

/** JSON with sorted keys, so key order never counts as a change. */
export function stableJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Which array holds the "nodes" and "edges" of each kind. */
function parts(def: Definition | null): { nodes: Map<string, string>; edges: Map<string, string> } {
  if (!def) return { nodes: new Map(), edges: new Map() };
  switch (def.kind) {
    case 'playbook': return { nodes: byKey(def.nodes, 'id'), edges: byKey(def.edges, 'id') };
    case 'journey': return { nodes: byKey(def.stages, 'id'), edges: byKey(def.transitions, 'id') };
    case 'scorecard': return { nodes: byKey(def.measures, 'id'), edges: new Map() };
    case 'fields': return { nodes: byKey(def.fields, 'name'), edges: new Map() };
  }
}

const GRAPH_KEYS = new Set(['nodes', 'edges', 'stages', 'transitions', 'measures', 'fields', 'layout', '$schema']);

export function diffDefinitions(from: Definition | null, to: Definition | null, fromText: string, toText: string, labels: [string, string]): DefinitionDiff {
  const a = parts(from), b = parts(to);
  const nodes = diffIds(a.nodes, b.nodes);
  const edges = diffIds(a.edges, b.edges);
  const settings: string[] = [];
  const fa = (from ?? {}) as Record<string, unknown>, fb = (to ?? {}) as Record<string, unknown>;
  for (const k of [...new Set([...Object.keys(fa), ...Object.keys(fb)])].sort()) {
    if (GRAPH_KEYS.has(k)) continue;
    if (stableJson(fa[k]) !== stableJson(fb[k])) settings.push(k);
  }
  const kind = (to ?? from)?.kind ?? 'playbook';
  const out: DefinitionDiff = {
    kind,
    nodes,
    edges,
    settings,
    layoutChanged: stableJson(fa.layout ?? null) !== stableJson(fb.layout ?? null),
    textDiff: unifiedDiff(fromText, toText, labels[0], labels[1]),
  };
  if (kind === 'journey') out.stages = nodes;
  return out;
}

// ---------- line diff (LCS) ----------

export type DiffOp = { op: ' ' | '-' | '+'; line: string; a: number; b: number };

/**
 * Line diff by longest common subsequence. Common head and tail are trimmed first, so
 * the quadratic table covers only the changed middle (definition files are small).
 */
export function diffLines(aLines: string[], bLines: string[]): DiffOp[] {
  let head = 0;
  while (head < aLines.length && head < bLines.length && aLines[head] === bLines[head]) head++;
  let tail = 0;
  while (tail < aLines.length - head && tail < bLines.length - head && aLines[aLines.length - 1 - tail] === bLines[bLines.length - 1 - tail]) tail++;
  const a = aLines.slice(head, aLines.length - tail);
  const b = bLines.slice(head, bLines.length - tail);
  const n = a.length, m = b.length;
  // lcs[i][j] = LCS length of a[i..], b[j..]
  const lcs: Uint32Array[] = [];
  for (let i = 0; i <= n; i++) lcs.push(new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const ops: DiffOp[] = [];
  for (let k = 0; k < head; k++) ops.push({ op: ' ', line: aLines[k], a: k, b: k });
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { ops.push({ op: ' ', line: a[i], a: head + i, b: head + j }); i++; j++; }
    // Deletions before insertions within a change, as git prints them.
    else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) { ops.push({ op: '-', line: a[i], a: head + i, b: head + j }); i++; }
    else { ops.push({ op: '+', line: b[j], a: head + i, b: head + j }); j++; }
  }
  for (let k = 0; k < tail; k++) ops.push({ op: ' ', line: aLines[aLines.length - tail + k], a: aLines.length - tail + k, b: bLines.length - tail + k });
  return ops;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A unified diff (like `diff -u`/git) with `context` lines around each change; '' when equal. */
export function unifiedDiff(aText: string, bText: string, aLabel: string, bLabel: string, context = 3): string {
  const ops = diffLines(splitLines(aText), splitLines(bText));
  const changes = ops.map((o, idx) => (o.op !== ' ' ? idx : -1)).filter((x) => x >= 0);
  if (changes.length === 0) return '';
  const out = [`--- ${aLabel}`, `+++ ${bLabel}`];
  let k = 0;
  while (k < changes.length) {
    const start = Math.max(0, changes[k] - context);
    let end = Math.min(ops.length - 1, changes[k] + context);
    while (k + 1 < changes.length && changes[k + 1] - context <= end + 1) {
      k++;
      end = Math.min(ops.length - 1, changes[k] + context);
    }
    k++;
    const hunk = ops.slice(start, end + 1);
    const aCount = hunk.filter((o) => o.op !== '+').length;
    const bCount = hunk.filter((o) => o.op !== '-').length;
    const aStart = aCount === 0 ? hunk[0].a : hunk.find((o) => o.op !== '+')!.a + 1;
    const bStart = bCount === 0 ? hunk[0].b : hunk.find((o) => o.op !== '-')!.b + 1;
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const o of hunk) out.push(o.op + o.line);
  }
  return out.join('\n') + '\n';
}
