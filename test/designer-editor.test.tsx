// @vitest-environment happy-dom
/**
 * The graph editor's document model and inspector forms: definition <-> canvas is lossless,
 * graph edits (connect, delete, paste, layout) keep the definition consistent, undo/redo
 * steps are what a user expects, and the inspector forms write the definition format.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import type { FieldDef, Journey, Playbook, TaskSpec, AccountUpdate } from '../engine/schema/definitions.js';
import {
  canvasNodes, canvasEdges, setPositions, addNode, connect, removeElements, copySelection, pasteClip, autoLayout,
  ensureLayout, outputHandles, updatePlaybookNode, blankPlaybook, reconnect, TRIGGER_ID, type Doc,
} from '../editor/src/designer/graph-model.js';
import { historyReducer, type HistoryState } from '../editor/src/designer/use-history.js';
import { TaskForm, UpdateForm } from '../editor/src/designer/TaskForms.js';
import { Inspector } from '../editor/src/designer/Inspector.js';
import { builderFields } from '../editor/src/designer/rule-model.js';
import { cspAllowsEval } from '../editor/src/designer/engine-bridge.js';
import { mergedForDiff } from '../editor/src/designer/VersionsPanel.js';
import { attachAfter } from '../editor/src/designer/GraphEditor.js';
import { accountPath, nodeCounts, forecastRows, taskList, weekLabel } from '../editor/src/designer/preview-report.js';
import { PreviewPanel } from '../editor/src/designer/PreviewPanel.js';
import { DefinitionPage } from '../editor/src/designer/DefinitionPage.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = <T,>(f: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'playbooks', f), 'utf8')) as T;
const fields = read<{ fields: FieldDef[] }>('fields.json').fields;
const lifecycle = read<Journey>('lifecycle.json');

beforeAll(() => {
  // React Flow (imported by the inspector's modules) measures with ResizeObserver, which happy-dom lacks.
  globalThis.ResizeObserver ??= class { observe() {} unobserve() {} disconnect() {} } as unknown as typeof ResizeObserver;
});
afterEach(cleanup);

/** Rebuilds a definition from its canvas, as the editor does after a drag. */
function roundTrip(doc: Doc): Doc {
  const positions = Object.fromEntries(canvasNodes(doc).map((n) => [n.id, n.position]));
  return setPositions(doc, positions);
}

describe('definition <-> canvas', () => {
  const samples = fs.readdirSync(path.join(ROOT, 'playbooks')).filter((f) => f.endsWith('.json'))
    .map((f) => read<Doc>(f)).filter((d) => d.kind === 'playbook' || d.kind === 'journey');

  it.each(samples.map((d) => [d.id, d]))('%s converts losslessly', (_id, doc) => {
    const laid = ensureLayout(doc as Doc);
    expect(roundTrip(laid)).toEqual(laid);
    const edges = canvasEdges(laid);
    if (laid.kind === 'playbook') {
      expect(canvasNodes(laid).map((n) => n.id)).toEqual([TRIGGER_ID, ...laid.nodes.map((n) => n.id)]);
      expect(edges.map((e) => [e.source, e.target, e.branch])).toEqual(laid.edges.map((e) => [e.from, e.to, e.branch]));
    } else {
      expect(edges.map((e) => e.id)).toEqual(laid.transitions.map((t) => t.id));
    }
  });

  it('lays out a file without positions with every node placed and ranks going down', () => {
    const pb = read<Playbook>('renewal-90-days.json');
    const bare = { ...pb };
    delete bare.layout;
    const laid = ensureLayout(bare) as Playbook;
    const pos = laid.layout!.nodes;
    expect(Object.keys(pos).sort()).toEqual([TRIGGER_ID, ...pb.nodes.map((n) => n.id)].sort());
    expect(pos[TRIGGER_ID].y).toBeLessThan(pos['prepare-renewal'].y);
    expect(pos['prepare-renewal'].y).toBeLessThan(pos['wait-30-before'].y);
    // no two nodes on the same spot
    const spots = new Set(Object.values(pos).map((p) => `${p.x},${p.y}`));
    expect(spots.size).toBe(Object.keys(pos).length);
    // tidy up replaces positions only
    const tidy = { ...laid, layout: autoLayout(laid) };
    expect({ ...tidy, layout: undefined }).toEqual({ ...laid, layout: undefined });
  });
});

describe('graph edits', () => {
  it('builds a playbook: add, connect with branches, one edge per output, delete', () => {
    let doc: Doc = blankPlaybook('renewal-60', 'Renewal 60');
    doc = removeElements(doc, ['end'], []);
    const c = addNode(doc, 'condition', { x: 0, y: 150 }); doc = c.doc;
    const t = addNode(doc, 'task', { x: -150, y: 300 }); doc = t.doc;
    const e = addNode(doc, 'end', { x: 0, y: 450 }); doc = e.doc;
    expect([c.id, t.id, e.id]).toEqual(['condition', 'task', 'end']);
    expect(outputHandles(doc, c.id)).toEqual(['yes', 'no']);
    doc = connect(doc, TRIGGER_ID, c.id);
    doc = connect(doc, c.id, t.id, 'yes');
    doc = connect(doc, t.id, e.id);
    const pb = doc as Playbook;
    expect(pb.edges.map((x) => [x.from, x.to, x.branch])).toEqual([[TRIGGER_ID, 'condition', undefined], ['condition', 'task', 'yes'], ['task', 'end', undefined]]);
    // connecting the yes handle again replaces the old yes edge
    doc = connect(doc, c.id, e.id, 'yes');
    expect((doc as Playbook).edges.filter((x) => x.from === c.id).map((x) => [x.to, x.branch])).toEqual([['end', 'yes']]);
    // nothing connects into the trigger, nor to itself
    expect(connect(doc, c.id, TRIGGER_ID, 'no')).toBe(doc);
    expect(connect(doc, c.id, c.id, 'no')).toBe(doc);
    // deleting a node deletes its edges and position; the trigger cannot be deleted
    const after = removeElements(doc, [c.id, TRIGGER_ID], []) as Playbook;
    expect(after.nodes.map((n) => n.id)).toEqual(['task', 'end']);
    expect(after.edges.map((x) => x.id)).toEqual([(doc as Playbook).edges.find((x) => x.from === 'task')!.id]);
    expect(after.layout!.nodes[c.id]).toBeUndefined();
    expect(after.layout!.nodes[TRIGGER_ID]).toBeDefined();
  });

  it('drops the timeout edge when a wait stops having a timeout', () => {
    let doc: Doc = blankPlaybook('p', 'P');
    const w = addNode(doc, 'wait', { x: 0, y: 100 }); doc = w.doc;
    const pb0 = doc as Playbook;
    const node = pb0.nodes.find((n) => n.id === w.id)!;
    doc = updatePlaybookNode(pb0, w.id, { ...node, kind: 'wait', wait: { type: 'task-done', task: 'x', timeout: { days: 3 } } } as Playbook['nodes'][number]);
    expect(outputHandles(doc, w.id)).toEqual([undefined, 'timeout']);
    doc = connect(doc, w.id, 'end', 'timeout');
    doc = connect(doc, w.id, 'end');
    expect((doc as Playbook).edges.filter((e) => e.from === w.id)).toHaveLength(2);
    doc = updatePlaybookNode(doc as Playbook, w.id, { ...node, kind: 'wait', wait: { type: 'duration', duration: { days: 1 } } } as Playbook['nodes'][number]);
    expect((doc as Playbook).edges.filter((e) => e.from === w.id).map((e) => e.branch)).toEqual([undefined]);
  });

  it('copies and pastes nodes with fresh ids, their inner edges and offset positions', () => {
    const pb = read<Playbook>('renewal-90-days.json');
    const clip = copySelection(pb, ['is-red', 'at-risk', TRIGGER_ID]);
    expect(clip.nodes.map((n) => n.id)).toEqual(['is-red', 'at-risk']);
    const { doc, ids } = pasteClip(pb, clip);
    const out = doc as Playbook;
    expect(ids).toEqual(['is-red-copy', 'at-risk-copy']);
    expect(out.nodes).toHaveLength(pb.nodes.length + 2);
    expect(out.edges.filter((e) => e.from === 'is-red-copy').map((e) => [e.to, e.branch])).toEqual([['at-risk-copy', 'yes']]);
    expect(out.layout!.nodes['is-red-copy']).toEqual({ x: pb.layout!.nodes['is-red'].x + 40, y: pb.layout!.nodes['is-red'].y + 40 });
    // pasting again does not collide
    expect(pasteClip(doc, clip).ids).toEqual(['is-red-copy-2', 'at-risk-copy-2']);
  });

  it('moves an existing edge by dragging its end: the branch stays, the rule and id of a transition stay', () => {
    let doc: Doc = blankPlaybook('p', 'P');
    const c = addNode(doc, 'condition', { x: 0, y: 150 }); doc = c.doc;
    const t = addNode(doc, 'task', { x: 0, y: 300 }); doc = t.doc;
    doc = connect(doc, c.id, t.id, 'yes');
    const yes = (doc as Playbook).edges.find((e) => e.from === c.id)!;
    doc = reconnect(doc, yes.id, c.id, 'end', 'yes');
    expect((doc as Playbook).edges.filter((e) => e.from === c.id).map((e) => [e.to, e.branch])).toEqual([['end', 'yes']]);

    const tr = lifecycle.transitions[0];
    const moved = reconnect(lifecycle, tr.id, tr.from, 'renewal') as Journey;
    expect(moved.transitions[0]).toEqual({ ...tr, to: 'renewal' });
    // onto a pair that already has a transition, or onto itself: nothing changes
    const other = lifecycle.transitions.find((x) => x.id !== tr.id)!;
    expect(reconnect(lifecycle, tr.id, other.from, other.to)).toBe(lifecycle);
    expect(reconnect(lifecycle, tr.id, tr.from, tr.from)).toBe(lifecycle);
  });

  it('edits journeys: stages, transitions, deleting the initial stage moves it', () => {
    let j: Doc = lifecycle;
    const s = addNode(j, 'stage', { x: 500, y: 0 }); j = s.doc;
    j = connect(j, 'renewal', s.id);
    expect((j as Journey).transitions.at(-1)).toMatchObject({ from: 'renewal', to: s.id });
    expect(connect(j, 'renewal', s.id)).toBe(j); // no duplicate transition
    j = removeElements(j, [lifecycle.initialStage], []);
    expect((j as Journey).initialStage).not.toBe(lifecycle.initialStage);
    expect((j as Journey).transitions.some((t) => t.from === lifecycle.initialStage || t.to === lifecycle.initialStage)).toBe(false);
  });
});

describe('adding after the selected node (keyboard and click)', () => {
  it('uses a free output, else inserts the new node on the existing edge', () => {
    const pb = read<Playbook>('renewal-90-days.json');
    // at-risk -> done is taken: a wait goes between them
    let { doc, id } = addNode(pb, 'wait', { x: 0, y: 0 });
    doc = attachAfter(doc, 'at-risk', id);
    const edges = (doc as Playbook).edges.map((e) => `${e.from}>${e.to}${e.branch ? ':' + e.branch : ''}`);
    expect(edges).toContain('at-risk>wait');
    expect(edges).toContain('wait>done');
    expect(edges).not.toContain('at-risk>done');
    // a condition's free "no" branch is used first when "yes" is taken
    let d2: Doc = removeElements(pb, [], ['is-red-no']);
    const t = addNode(d2, 'end', { x: 0, y: 0 }); d2 = t.doc;
    d2 = attachAfter(d2, 'is-red', t.id);
    expect((d2 as Playbook).edges.find((e) => e.to === t.id)).toMatchObject({ from: 'is-red', branch: 'no' });
    // nothing leaves an end node
    expect(attachAfter(d2, 'done', t.id)).toBe(d2);
  });
});

describe('undo / redo', () => {
  it('typing in one box is one step; other edits are steps; a new edit clears redo', () => {
    let s: HistoryState<string> = { past: [], present: '', future: [], lastKey: null };
    for (const text of ['R', 'Re', 'Ren']) s = historyReducer(s, { type: 'set', value: text, key: 'name' });
    s = historyReducer(s, { type: 'set', value: 'Ren+node' });
    expect(s.past).toEqual(['', 'Ren']);
    s = historyReducer(s, { type: 'undo' });
    expect(s.present).toBe('Ren');
    s = historyReducer(s, { type: 'undo' });
    expect(s.present).toBe('');
    s = historyReducer(s, { type: 'redo' });
    expect(s.present).toBe('Ren');
    s = historyReducer(s, { type: 'set', value: 'other' });
    expect(s.future).toEqual([]);
    expect(historyReducer(s, { type: 'redo' })).toBe(s);
  });
});

function TaskHarness({ initial, onTask }: { initial: TaskSpec; onTask: (t: TaskSpec) => void }) {
  const [task, setTask] = useState(initial);
  return <TaskForm task={task} fields={fields} roles={['cs-manager']} keyPrefix="n" onChange={(t) => { setTask(t); onTask(t); }} />;
}

describe('inspector forms', () => {
  const base: TaskSpec = { title: 'Call', type: 'activity', priority: 'medium', owner: { type: 'account-owner' }, dueDays: 7 };

  it('task form: title with a merge field, type, priority, owner role, due days, steps', () => {
    const onTask = vi.fn();
    render(<TaskHarness initial={base} onTask={onTask} />);
    fireEvent.change(screen.getByLabelText('Title *'), { target: { value: 'Renewal call ' } });
    fireEvent.change(screen.getByLabelText('Insert a merge field into Title'), { target: { value: '{{account.name}}' } });
    expect(onTask.mock.lastCall![0].title).toBe('Renewal call {{account.name}}');
    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'lifecycle' } });
    fireEvent.change(screen.getByLabelText('Priority'), { target: { value: 'high' } });
    fireEvent.change(screen.getByLabelText('Due after (days)'), { target: { value: '3' } });
    fireEvent.change(screen.getByLabelText('Owner'), { target: { value: 'role' } });
    fireEvent.click(screen.getByRole('button', { name: '+ Step' }));
    fireEvent.change(screen.getByLabelText('Step 1 title'), { target: { value: 'Prepare the quote' } });
    fireEvent.change(screen.getByLabelText('Step 1 due after days'), { target: { value: '5' } });
    expect(onTask.mock.lastCall![0]).toEqual({
      title: 'Renewal call {{account.name}}', type: 'lifecycle', priority: 'high', owner: { type: 'role', role: 'cs-manager' }, dueDays: 3,
      steps: [{ id: 'step', title: 'Prepare the quote', dueDays: 5 }],
    });
    fireEvent.click(screen.getByRole('button', { name: 'Remove step 1' }));
    expect(onTask.mock.lastCall![0].steps).toBeUndefined();
  });

  it('task form: an email template with merge fields, previewed with an account; removing it removes the key', async () => {
    const onTask = vi.fn();
    render(<TaskHarness initial={base} onTask={onTask} />);
    fireEvent.click(screen.getByRole('button', { name: '+ Email template' }));
    fireEvent.change(screen.getByLabelText('Subject *'), { target: { value: 'Renewal on {{date account.renewalDate}}' } });
    expect(onTask.mock.lastCall![0].email).toMatchObject({ subject: 'Renewal on {{date account.renewalDate}}' });
    fireEvent.change(screen.getByLabelText('Body *'), { target: { value: 'Hi {{account.primaryContactName}},\nsee you.' } });

    // preview with a chosen account: rendered by the engine, escaped, in a sandboxed iframe
    const account = { id: 'acme', fields: { name: 'Acme', primaryContactName: 'Jo <b>Smith</b>', renewalDate: '2026-12-15' }, tags: [], flags: {} };
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ items: [account], total: 1 }), { status: 200 })));
    fireEvent.focus(screen.getByLabelText('Preview with account'));
    fireEvent.click(await screen.findByRole('button', { name: /Acme/ }));
    const frame = screen.getByTitle('Email preview') as HTMLIFrameElement;
    expect(frame.getAttribute('sandbox')).toBe('');
    const html = frame.getAttribute('srcdoc') ?? '';
    expect(html).toContain('Hi Jo &lt;b&gt;Smith&lt;/b&gt;,<br');
    expect(html).not.toContain('<b>Smith');
    // {{date}} is the engine's readable date (engine/templates/format.ts).
    expect(html).toContain('Renewal on 15 December 2026');
    vi.unstubAllGlobals();

    fireEvent.click(screen.getByRole('button', { name: 'Remove email' }));
    expect('email' in onTask.mock.lastCall![0]).toBe(false);
  });

  it('task form: the Insert field menu offers money only for money fields and days since/until that read well', () => {
    render(<TaskHarness initial={base} onTask={vi.fn()} />);
    fireEvent.click(screen.getByRole('button', { name: '+ Email template' }));
    const menu = screen.getByLabelText('Insert a merge field into Body') as HTMLSelectElement;
    const labels = [...menu.options].map((o) => o.textContent ?? '');
    expect(labels).toContain('MRR (as money)');
    expect(labels.filter((l) => l.endsWith('(as money)'))).toEqual(['MRR (as money)']);
    // Dates: an event in the past offers days since only; a since-field does not say "since" twice.
    expect(labels).toContain('Days until renewal date');
    expect(labels).toContain('Days since last CSM update');
    expect(labels).not.toContain('Days until last CSM update');
    expect(labels).toContain('Days of usage green');
    expect(labels.filter((l) => /since.*since/i.test(l))).toEqual([]);
    // Days since/until only for date fields.
    const daysFor = [...menu.options].filter((o) => /days_(since|until)/.test(o.value)).map((o) => /account\.(\w+)/.exec(o.value)![1]);
    const dateFields = new Set(fields.filter((f) => f.type === 'date').map((f) => f.name));
    expect(daysFor.length).toBeGreaterThan(0);
    expect(daysFor.filter((n) => !dateFields.has(n))).toEqual([]);
  });

  it('the scorecard and dictionary pages say how they are edited in plain grammar', async () => {
    const health = read<{ id: string }>('health.json');
    const dictionary = read<{ id: string }>('fields.json');
    vi.stubGlobal('fetch', vi.fn(async (input: RequestInfo | URL) => {
      const url = String(input);
      const json = (b: unknown) => new Response(JSON.stringify(b), { status: 200 });
      if (url === '/api/fields') return json({ fields });
      if (url === '/api/definitions') return json({ items: [] });
      if (url === `/api/definitions/${health.id}`) return json({ id: health.id, definition: health, problems: [], liveVersion: 2 });
      if (url === `/api/definitions/${dictionary.id}`) return json({ id: dictionary.id, definition: dictionary, problems: [], liveVersion: 1 });
      return new Response('{}', { status: 404 });
    }));
    render(<DefinitionPage id={health.id} />);
    expect((await screen.findByText(/edited as files in/)).textContent).toMatch(/^Health scorecards are edited as files in playbooks\//);
    cleanup();
    render(<DefinitionPage id={dictionary.id} />);
    expect((await screen.findByText(/edited as files in/)).textContent).toMatch(/^The data dictionary is edited as files in playbooks\//);
    vi.unstubAllGlobals();
  });

  it('update form: tags and flags', () => {
    const onUpdate = vi.fn();
    function H() {
      const [u, setU] = useState<AccountUpdate>({});
      return <UpdateForm update={u} journeys={[lifecycle]} keyPrefix="u" onChange={(n) => { setU(n); onUpdate(n); }} />;
    }
    render(<H />);
    fireEvent.change(screen.getByLabelText('Add tags'), { target: { value: 'renewal-call, vip' } });
    fireEvent.click(screen.getByRole('button', { name: '+ Flag' }));
    fireEvent.change(screen.getByLabelText('Flag 1 name'), { target: { value: 'renewal-risk' } });
    fireEvent.click(screen.getByLabelText('Move to a journey stage'));
    expect(onUpdate.mock.lastCall![0]).toEqual({ addTags: ['renewal-call', 'vip'], flags: { 'renewal-risk': true }, stage: { journey: 'lifecycle', stage: lifecycle.stages[0].id } });
  });

  it('playbook inspector: wait until 30 days before a date field', () => {
    const pb = read<Playbook>('renewal-90-days.json');
    const onChange = vi.fn();
    const ctx = { fields, journeys: [lifecycle], scorecards: [], canEdit: true, canPublish: true };
    render(<Inspector doc={pb} onChange={onChange} selectedNodes={['wait-30-before']} selectedEdges={[]} ctx={ctx} builder={builderFields(fields)} problems={[]} readOnly={false} />);
    fireEvent.change(screen.getByLabelText('Days'), { target: { value: '45' } });
    const next = onChange.mock.lastCall![0] as Playbook;
    expect(next.nodes.find((n) => n.id === 'wait-30-before')).toMatchObject({ wait: { type: 'until-date', field: 'renewalDate', offsetDays: -45 } });
    fireEvent.change(screen.getByLabelText('Before / after'), { target: { value: 'after' } });
    expect((onChange.mock.lastCall![0] as Playbook).nodes.find((n) => n.id === 'wait-30-before')).toMatchObject({ wait: { offsetDays: 30 } });
  });

  it('next steps can be wired from the inspector without dragging', () => {
    const pb = removeElements(read<Playbook>('renewal-90-days.json'), [], ['is-red-no']) as Playbook;
    const onChange = vi.fn();
    const ctx = { fields, journeys: [lifecycle], scorecards: [], canEdit: true, canPublish: true };
    render(<Inspector doc={pb} onChange={onChange} selectedNodes={['is-red']} selectedEdges={[]} ctx={ctx} builder={builderFields(fields)} problems={[]} readOnly={false} />);
    expect((screen.getByLabelText('If yes, go to') as HTMLSelectElement).value).toBe('at-risk');
    expect((screen.getByLabelText('If no, go to') as HTMLSelectElement).value).toBe('');
    fireEvent.change(screen.getByLabelText('If no, go to'), { target: { value: 'done' } });
    expect((onChange.mock.lastCall![0] as Playbook).edges.find((e) => e.from === 'is-red' && e.branch === 'no')).toMatchObject({ to: 'done' });
    fireEvent.change(screen.getByLabelText('If yes, go to'), { target: { value: '' } });
    expect((onChange.mock.lastCall![0] as Playbook).edges.some((e) => e.from === 'is-red' && e.branch === 'yes')).toBe(false);
  });

  it('playbook inspector with nothing selected edits the playbook: name, re-entry, exit criteria', () => {
    const pb = read<Playbook>('renewal-90-days.json');
    const onChange = vi.fn();
    const ctx = { fields, journeys: [lifecycle], scorecards: [], canEdit: true, canPublish: true };
    render(<Inspector doc={pb} onChange={onChange} selectedNodes={[]} selectedEdges={[]} ctx={ctx} builder={builderFields(fields)} problems={[]} readOnly={false} />);
    fireEvent.change(screen.getByLabelText('Re-entry'), { target: { value: 'once' } });
    expect((onChange.mock.lastCall![0] as Playbook).reentry).toEqual({ policy: 'once' });
    fireEvent.click(screen.getByLabelText(/Exit criteria/));
    expect('exit' in (onChange.mock.lastCall![0] as Playbook)).toBe(false);
  });
});

describe('helpers', () => {
  it('reads whether the page may evaluate code from its CSP', () => {
    expect(cspAllowsEval(null)).toBe(true);
    expect(cspAllowsEval("default-src 'self';script-src 'self';style-src 'self' 'unsafe-inline'")).toBe(false);
    expect(cspAllowsEval("default-src 'self'")).toBe(false);
    expect(cspAllowsEval("script-src 'self' 'unsafe-eval'")).toBe(true);
    expect(cspAllowsEval("style-src 'self'")).toBe(true);
  });

  it('diff view shows added and changed nodes of the new version and removed ones of the old', () => {
    const v1 = read<Playbook>('renewal-90-days.json');
    const v2: Playbook = { ...v1, nodes: [...v1.nodes.filter((n) => n.id !== 'at-risk'), { id: 'note', kind: 'end' }], edges: v1.edges.filter((e) => e.to !== 'at-risk' && e.from !== 'at-risk') };
    const g = mergedForDiff(v1, v2, { nodes: { added: ['note'], removed: ['at-risk'], changed: ['is-red'] }, edges: { added: [], removed: ['is-red-yes', 'at-risk-to-done'], changed: [] } });
    const marks = Object.fromEntries(g.nodes.map((n) => [n.id, n.mark]));
    expect(marks).toMatchObject({ note: 'added', 'at-risk': 'removed', 'is-red': 'changed', 'prepare-renewal': undefined });
    expect(g.edges.filter((e) => e.mark === 'removed').map((e) => e.id).sort()).toEqual(['at-risk-to-done', 'is-red-yes']);
  });

  it('reads a simulation report: path, counts per node, tasks, forecast per owner and week', () => {
    const report = {
      accounts: [{ accountId: 'acme', name: 'Acme', owner: 'csm-1', runs: [{ playbookId: 'p', path: [{ nodeId: 'trigger', at: '2026-11-02T09:00:00Z', outcome: 'started' }, { nodeId: 'is-t1', at: '2026-11-02T09:00:00Z', outcome: 'yes', detail: 'Tier is tier-1' }] }],
        tasks: [{ playbookId: 'p', title: 'Renewal call', type: 'lifecycle', priority: 'high', owner: 'csm-1', dueAt: '2026-11-09', nodeId: 'call' }], stageChanges: [] }],
      playbooks: [{ playbookId: 'p', entered: { trigger: 1, 'is-t1': 1, call: 1 } }],
      forecast: { weeks: ['2026-W45', '2026-W46'], owners: [{ owner: 'csm-1', name: 'Maya', total: 1, weeks: { '2026-W45': 1 } }] },
    } as never;
    expect(accountPath(report, 'acme', 'p').map((s) => [s.nodeId, s.outcome])).toEqual([['trigger', 'started'], ['is-t1', 'yes']]);
    expect(nodeCounts(report, { kind: 'playbook', id: 'p' })).toEqual({ trigger: 1, 'is-t1': 1, call: 1 });
    expect(taskList(report, 'p', { 'csm-1': 'Maya' })[0]).toMatchObject({ title: 'Renewal call', owner: 'Maya', accountName: 'Acme' });
    expect(forecastRows(report)).toEqual({ owners: ['Maya'], rows: [{ week: '2026-W45', Maya: 1 }, { week: '2026-W46', Maya: 0 }] });
  });
});

describe('preview on one account', () => {
  it('says why the account would not enter, with its values under their field labels', async () => {
    const pb = read<Playbook>('usage-drop.json');
    const account = { id: 'gone', fields: { name: 'Gone Co', tier: 'tier-2', segment: 'mid-touch' }, tags: [], flags: {} };
    const calls: string[] = [];
    vi.stubGlobal('fetch', vi.fn(async (input: RequestInfo | URL) => {
      const url = String(input);
      calls.push(url);
      const json = (b: unknown) => new Response(JSON.stringify(b), { status: 200 });
      if (url.includes('/api/accounts')) return json({ items: [account], total: 1 });
      if (url.includes('/api/fields')) return json({ fields });
      if (url.includes('/preview')) {
        return json({ id: pb.id, kind: 'playbook', ownerNames: {}, accounts: [], tasks: [], forecast: [],
          notEntered: { gone: { cause: 'audience', reason: 'The audience leaves it out: it is for accounts where Churned is false.', values: { churned: true, dauTrendPct: -50, renewalDate: null } } } });
      }
      return new Response('{}', { status: 404 });
    }));
    render(<PreviewPanel doc={pb as Doc} decor={null} onDecor={() => {}} />);
    fireEvent.focus(screen.getByLabelText('Account'));
    fireEvent.click(await screen.findByRole('button', { name: /Gone Co/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Show its path' }));
    expect(await screen.findByText('Gone Co would not enter this playbook in the next 90 days.')).toBeTruthy();
    expect(await screen.findByText('The audience leaves it out: it is for accounts where Churned is false.')).toBeTruthy();
    const values = screen.getByLabelText('Values of Gone Co');
    expect([...values.children].map((c) => c.textContent)).toEqual(['Churned: yes', 'DAU trend %: -50', 'Renewal date: not set']);
    expect(calls.some((u) => u.includes('/api/fields'))).toBe(true);
    vi.unstubAllGlobals();
  });

  it('for a journey, lists the stages it passes, where it stays and what keeps each way out shut', async () => {
    const journey = read<Journey>('lifecycle.json');
    const account = { id: 'new', fields: { name: 'New Co', tier: 'tier-2', segment: 'mid-touch' }, tags: [], flags: {} };
    vi.stubGlobal('fetch', vi.fn(async (input: RequestInfo | URL) => {
      const url = String(input);
      const json = (b: unknown) => new Response(JSON.stringify(b), { status: 200 });
      if (url.includes('/api/accounts')) return json({ items: [account], total: 1 });
      if (url.includes('/api/fields')) return json({ fields });
      if (url.includes('/preview')) {
        return json({ id: journey.id, kind: 'journey', ownerNames: {}, tasks: [], forecast: [],
          accounts: [{ accountId: 'new', name: 'New Co', runs: [], tasks: [], stageChanges: [{ journeyId: 'lifecycle', from: null, to: 'onboarding', at: '2026-11-02T09:00:00.000Z', reasonText: 'Started the journey at Onboarding' }] }],
          stays: { new: { stage: 'onboarding', stageName: 'Onboarding', reason: 'It stays in Onboarding: …',
            ways: [{ to: 'initial-value', toName: 'Initial value', blockedBy: 'when', needs: 'Features used at least 5', text: 'the transition needs Features used at least 5', values: { featuresUsed: 2 } }],
            values: { featuresUsed: 2 } } } });
      }
      return new Response('{}', { status: 404 });
    }));
    render(<PreviewPanel doc={journey as Doc} decor={null} onDecor={() => {}} />);
    fireEvent.focus(screen.getByLabelText('Account'));
    fireEvent.click(await screen.findByRole('button', { name: /New Co/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Show its path' }));
    const why = await screen.findByLabelText('Why New Co stays');
    expect(why.textContent).toContain('Stays in Onboarding.');
    expect(why.textContent).toContain('To Initial value: the transition needs Features used at least 5.');
    expect([...screen.getByLabelText('Values of New Co').children].map((c) => c.textContent)).toEqual([expect.stringMatching(/: 2$/)]);
    expect(document.querySelector('.wmd-path')!.textContent).toMatch(/^Onboarding.*entered/);
    vi.unstubAllGlobals();
  });
});

describe('preview on the whole book', () => {
  it('says how many accounts would enter and labels forecast weeks by their Monday', async () => {
    const pb = read<Playbook>('stale-csm-update.json');
    const task = (accountId: string, week: string) => ({ title: 'Stale CSM update', type: 'activity', priority: 'medium', owner: 'csm-1', dueAt: week, nodeId: 'n', playbookId: pb.id });
    vi.stubGlobal('fetch', vi.fn(async (input: RequestInfo | URL) => {
      const url = String(input);
      const json = (b: unknown) => new Response(JSON.stringify(b), { status: 200 });
      if (url.includes('/preview')) {
        return json({ id: pb.id, kind: 'playbook', ownerNames: { 'csm-1': 'Maya' }, accountsSimulated: 550,
          playbooks: [{ playbookId: pb.id, name: pb.name, runs: 14, accounts: 12, completed: 0, exited: 0, active: 14, entered: { trigger: 12 }, outcomes: {}, tasks: 3 }],
          accounts: [
            { accountId: 'a', name: 'A', runs: [], stageChanges: [], tasks: [task('a', '2026-11-20T00:00:00.000Z'), task('a', '2026-11-27T00:00:00.000Z')] },
            { accountId: 'b', name: 'B', runs: [], stageChanges: [], tasks: [task('b', '2026-11-21T00:00:00.000Z')] },
          ],
          forecast: { weeks: ['2026-W47', '2026-W48'], owners: [{ owner: 'csm-1', name: 'Maya', total: 3, weeks: { '2026-W47': 2, '2026-W48': 1 } }] } });
      }
      return new Response('{}', { status: 404 });
    }));
    render(<PreviewPanel doc={pb as Doc} decor={null} onDecor={() => {}} />);
    fireEvent.click(screen.getByRole('button', { name: 'Run on all accounts' }));
    expect((await screen.findByTestId('book-summary')).textContent).toBe('Of 550 accounts, 12 would enter (14 runs); 3 tasks would be created (3 activity).');
    vi.unstubAllGlobals();
  });

  it('names an ISO week by its Monday', () => {
    expect(weekLabel('2026-W47')).toBe('Week of 16 Nov'); // 16-22 Nov 2026
    expect(weekLabel('2026-W01')).toBe('Week of 29 Dec'); // 4 Jan 2026 is a Sunday
    expect(weekLabel('2027-W01')).toBe('Week of 4 Jan');
    expect(weekLabel('not a week')).toBe('not a week');
  });
});
