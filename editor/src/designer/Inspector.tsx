/** The side panel that edits what is selected: a node, an edge, or the definition itself. */
import type {
  Playbook, PlaybookNode, Journey, Stage, StageAction, Trigger, Wait, Duration, Reentry, TaskSpec,
} from '../../../engine/schema/definitions.js';
import {
  TRIGGER_ID, updatePlaybookNode, updateStage, removeElements, freshId, connect, outputHandles, labelOf, type Doc,
} from './graph-model.js';
import { ConditionBuilder } from './ConditionBuilder.js';
import { TaskForm, UpdateForm, TextRow, SelectRow, int, type Emit } from './TaskForms.js';
import type { BuilderField } from './rule-model.js';
import type { EditorContext } from './GraphEditor.js';
import type { Problem } from './engine-bridge.js';
import { KIND_META } from './canvas-nodes.js';

const ROLES = ['cs-manager', 'support-manager', 'onboarding', 'sales', 'product'];

interface Props {
  doc: Doc;
  onChange: (doc: Doc, key?: string) => void;
  selectedNodes: string[];
  selectedEdges: string[];
  ctx: EditorContext;
  builder: BuilderField[];
  problems: Problem[];
  readOnly: boolean;
}

export function Inspector(props: Props) {
  const { doc, onChange, selectedNodes, selectedEdges, readOnly } = props;
  const count = selectedNodes.length + selectedEdges.length;
  let body;
  if (count > 1) {
    body = (
      <div className="wmd-form">
        <h2>{selectedNodes.length} node{selectedNodes.length === 1 ? '' : 's'}, {selectedEdges.length} connection{selectedEdges.length === 1 ? '' : 's'} selected</h2>
        <p className="wm-muted">Copy with Ctrl+C, paste with Ctrl+V, or delete them.</p>
        <button type="button" className="wm-btn wm-btn-danger wm-btn-small" disabled={readOnly} onClick={() => onChange(removeElements(doc, selectedNodes, selectedEdges))}>Delete selection</button>
      </div>
    );
  } else if (selectedNodes.length === 1) {
    body = doc.kind === 'playbook' ? <PlaybookNodeInspector {...props} pb={doc} id={selectedNodes[0]} /> : <StageInspector {...props} j={doc} id={selectedNodes[0]} />;
  } else if (selectedEdges.length === 1) {
    body = <EdgeInspector {...props} id={selectedEdges[0]} />;
  } else {
    body = doc.kind === 'playbook' ? <PlaybookSettings {...props} pb={doc} /> : <JourneySettings {...props} j={doc} />;
  }
  return <fieldset className="wmd-inspector" disabled={readOnly}>{body}</fieldset>;
}

function NodeProblems({ problems, id }: { problems: Problem[]; id: string }) {
  const mine = problems.filter((p) => p.nodeId === id || p.edgeId === id);
  if (!mine.length) return null;
  return (
    <ul className="wmd-node-problems" aria-label="Problems here">
      {mine.map((p, i) => <li key={i} className={`wmd-sev-${p.severity}`}>{p.message}</li>)}
    </ul>
  );
}

// ---------- playbook ----------

function PlaybookSettings({ pb, onChange, ctx, builder }: Props & { pb: Playbook }) {
  const set = (patch: Partial<Playbook>, key: string) => onChange({ ...pb, ...patch }, `pb:${key}`);
  return (
    <div className="wmd-form">
      <h2>Playbook</h2>
      <p className="wm-muted wm-small">Select a node to edit it. These settings apply to the whole playbook.</p>
      <TextRow label="Name" required value={pb.name} onChange={(v) => set({ name: v }, 'name')} />
      <div className="wmd-row">
        <label className="wm-label" htmlFor="wmd-desc">Description</label>
        <textarea id="wmd-desc" className="wm-textarea" rows={3} value={pb.description ?? ''}
          onChange={(e) => { const n: Playbook = { ...pb, description: e.target.value }; if (!e.target.value) delete n.description; onChange(n, 'pb:desc'); }} />
      </div>
      <TriggerForm trigger={pb.trigger} onChange={(t, key) => onChange({ ...pb, trigger: t }, `pb:trigger:${key ?? ''}`)} ctx={ctx} builder={builder} />
      <div className="wmd-row">
        <label className="wmd-check"><input type="checkbox" checked={pb.audience !== undefined} onChange={(e) => {
          const n = { ...pb }; if (e.target.checked) n.audience = true; else delete n.audience; onChange(n, 'pb:aud-toggle');
        }} /> Only for an audience</label>
        {pb.audience !== undefined && <ConditionBuilder label="Audience: accounts where" value={pb.audience} fields={builder} dictionary={ctx.fields}
          onChange={(r) => onChange({ ...pb, audience: r }, 'pb:audience')} emptyText="Every account (add a condition)." />}
      </div>
      <ReentryForm value={pb.reentry} onChange={(r) => set({ reentry: r }, 'reentry')} />
      <div className="wmd-row">
        <label className="wmd-check"><input type="checkbox" checked={!!pb.exit} onChange={(e) => {
          const n = { ...pb }; if (e.target.checked) n.exit = { when: true, openTasks: 'close' }; else delete n.exit; onChange(n, 'pb:exit-toggle');
        }} /> Exit criteria (end the run early)</label>
        {pb.exit && (
          <>
            <ConditionBuilder label="Exit when" value={pb.exit.when} fields={builder} dictionary={ctx.fields} onChange={(r) => onChange({ ...pb, exit: { ...pb.exit!, when: r } }, 'pb:exit')} />
            <SelectRow label="Open tasks of the run on exit" value={pb.exit.openTasks} onChange={(v) => onChange({ ...pb, exit: { ...pb.exit!, openTasks: v } }, 'pb:exit-tasks')}
              options={[['close', 'Close them'], ['keep', 'Keep them open']]} />
          </>
        )}
      </div>
    </div>
  );
}

function ReentryForm({ value, onChange }: { value: Reentry; onChange: (r: Reentry) => void }) {
  // One column: the policy names are long and a half-width select cut them off.
  return (
    <div className="wmd-stack">
      <SelectRow label="Re-entry" value={value.policy} onChange={(p) => onChange(
        p === 'once' ? { policy: 'once' } : p === 'after-exit' ? { policy: 'after-exit' } : p === 'cooldown' ? { policy: 'cooldown', days: 30 } : { policy: 'max-times', times: 3 })}
        options={[['once', 'Once per account, ever'], ['after-exit', 'Again after the run ends'], ['cooldown', 'Again after a cooldown'], ['max-times', 'At most N times']]} />
      {value.policy === 'cooldown' && <TextRow label="Cooldown (days)" type="number" min={1} value={value.days} onChange={(v) => onChange({ policy: 'cooldown', days: Math.max(1, int(v, 1)) })} />}
      {value.policy === 'max-times' && <TextRow label="Times" type="number" min={1} value={value.times} onChange={(v) => onChange({ policy: 'max-times', times: Math.max(1, int(v, 1)) })} />}
    </div>
  );
}

function TriggerForm({ trigger, onChange, ctx, builder }: { trigger: Trigger; onChange: Emit<Trigger>; ctx: EditorContext; builder: BuilderField[] }) {
  const eventFields = builder.concat([{ path: 'event.type', label: 'Event type', type: 'string', group: 'Event' }]);
  const setType = (t: Trigger['type']) => {
    const j = ctx.journeys[0];
    const next: Trigger = t === 'condition' ? { type: 'condition', when: true }
      : t === 'event' ? { type: 'event', eventType: 'nps.response' }
        : t === 'stage' ? { type: 'stage', journey: j?.id ?? 'lifecycle', stage: j?.stages[0]?.id ?? 'onboarding', on: 'entered' }
          : t === 'schedule' ? { type: 'schedule', everyDays: 30 } : { type: 'manual' };
    onChange(next, 'type');
  };
  const optionalWhen = (t: Extract<Trigger, { type: 'event' | 'schedule' }>, label: string, fields: BuilderField[]) => (
    <div className="wmd-row">
      <label className="wmd-check"><input type="checkbox" checked={t.when !== undefined} onChange={(e) => {
        const n = { ...t } as typeof t; if (e.target.checked) n.when = true; else delete n.when; onChange(n, 'when-toggle');
      }} /> Only when a condition holds</label>
      {t.when !== undefined && <ConditionBuilder label={label} value={t.when} fields={fields} dictionary={ctx.fields} onChange={(r) => onChange({ ...t, when: r }, 'when')} />}
    </div>
  );
  const journey = trigger.type === 'stage' ? ctx.journeys.find((j) => j.id === trigger.journey) : undefined;
  return (
    <div className="wmd-section">
      <h3>Trigger</h3>
      <SelectRow label="Starts when" value={trigger.type} onChange={setType}
        options={[['condition', 'An account condition becomes true'], ['event', 'An event is received'], ['stage', 'A journey stage is entered or left'], ['schedule', 'On a schedule'], ['manual', 'Started by hand']]} />
      {trigger.type === 'condition' && <ConditionBuilder label="Condition" value={trigger.when} fields={builder} dictionary={ctx.fields} onChange={(r) => onChange({ ...trigger, when: r }, 'when')} />}
      {trigger.type === 'event' && (
        <>
          <TextRow label="Event type" required value={trigger.eventType} onChange={(v) => onChange({ ...trigger, eventType: v }, 'event')} hint="e.g. nps.response, ticket.opened, ticket.escalated, csm.activity" />
          {optionalWhen(trigger, 'Event condition', eventFields)}
        </>
      )}
      {trigger.type === 'stage' && (
        <div className="wmd-cols3">
          <SelectRow label="Journey" value={trigger.journey} onChange={(v) => onChange({ ...trigger, journey: v, stage: ctx.journeys.find((j) => j.id === v)?.stages[0]?.id ?? trigger.stage }, 'journey')}
            options={opts(ctx.journeys.map((j) => [j.id, j.name]), trigger.journey)} />
          <SelectRow label="Stage" value={trigger.stage} onChange={(v) => onChange({ ...trigger, stage: v }, 'stage')}
            options={opts((journey?.stages ?? []).map((s) => [s.id, s.name]), trigger.stage)} />
          <SelectRow label="When" value={trigger.on} onChange={(v) => onChange({ ...trigger, on: v }, 'on')} options={[['entered', 'Entered'], ['left', 'Left']]} />
        </div>
      )}
      {trigger.type === 'schedule' && (
        <>
          <TextRow label="Every (days)" type="number" min={1} max={366} value={trigger.everyDays} onChange={(v) => onChange({ ...trigger, everyDays: Math.min(366, Math.max(1, int(v, 1))) }, 'every')} />
          {optionalWhen(trigger, 'For accounts where', builder)}
        </>
      )}
    </div>
  );
}

function opts(list: [string, string][], current: string): [string, string][] {
  return list.some(([v]) => v === current) ? list : [[current, current || '(choose)'], ...list];
}

function DurationRow({ label, value, onChange }: { label: string; value: Duration; onChange: (d: Duration) => void }) {
  const set = (k: 'days' | 'hours', v: string) => {
    const d = { ...value };
    if (v === '' || int(v) === 0) delete d[k]; else d[k] = Math.max(0, int(v));
    if (!d.days && !d.hours) d.days = 0;
    onChange(d);
  };
  return (
    <div className="wmd-cols">
      <TextRow label={`${label}: days`} type="number" min={0} value={value.days ?? ''} onChange={(v) => set('days', v)} />
      <TextRow label="hours" type="number" min={0} value={value.hours ?? ''} onChange={(v) => set('hours', v)} />
    </div>
  );
}

function WaitForm({ wait, onChange, ctx, builder, pb }: { wait: Wait; onChange: Emit<Wait>; ctx: EditorContext; builder: BuilderField[]; pb: Playbook }) {
  const dateFields = ctx.fields.filter((f) => f.type === 'date');
  const tasks = pb.nodes.filter((n) => n.kind === 'task');
  const setType = (t: Wait['type']) => onChange(
    t === 'duration' ? { type: 'duration', duration: { days: 7 } }
      : t === 'until-date' ? { type: 'until-date', field: dateFields[0]?.name ?? 'renewalDate', offsetDays: -30 }
        : t === 'task-done' ? { type: 'task-done', task: tasks[0]?.id ?? '', timeout: { days: 14 } }
          : { type: 'event', eventType: 'csm.activity', timeout: { days: 14 } }, 'type');
  return (
    <div className="wmd-section">
      <SelectRow label="Wait" value={wait.type} onChange={setType}
        options={[['duration', 'For a duration'], ['until-date', 'Until a date relative to an account field'], ['task-done', 'Until a task is done (with timeout)'], ['event', 'Until an event (with timeout)']]} />
      {wait.type === 'duration' && <DurationRow label="Wait" value={wait.duration} onChange={(d) => onChange({ ...wait, duration: d }, 'dur')} />}
      {wait.type === 'until-date' && (
        <div className="wmd-cols3">
          <TextRow label="Days" type="number" min={0} value={Math.abs(wait.offsetDays)} onChange={(v) => onChange({ ...wait, offsetDays: (wait.offsetDays < 0 ? -1 : 1) * Math.abs(int(v)) }, 'off')} />
          <SelectRow label="Before / after" value={wait.offsetDays < 0 ? 'before' : 'after'} onChange={(v) => onChange({ ...wait, offsetDays: (v === 'before' ? -1 : 1) * Math.abs(wait.offsetDays) }, 'dir')}
            options={[['before', 'before'], ['after', 'after']]} />
          <SelectRow label="Date field" value={wait.field} onChange={(v) => onChange({ ...wait, field: v }, 'field')} options={opts(dateFields.map((f) => [f.name, f.label]), wait.field)} />
        </div>
      )}
      {wait.type === 'task-done' && (
        <>
          <SelectRow label="Task (created earlier in this run)" value={wait.task} onChange={(v) => onChange({ ...wait, task: v }, 'task')}
            options={opts(tasks.map((t) => [t.id, t.label || t.id]), wait.task)} />
          <DurationRow label="Timeout" value={wait.timeout} onChange={(d) => onChange({ ...wait, timeout: d }, 'timeout')} />
          <p className="wm-muted wm-small">Connect the <strong>Timeout</strong> handle to what happens when the task is not done in time.</p>
        </>
      )}
      {wait.type === 'event' && (
        <>
          <TextRow label="Event type" required value={wait.eventType} onChange={(v) => onChange({ ...wait, eventType: v }, 'event')} hint="e.g. csm.activity, nps.response" />
          <div className="wmd-row">
            <label className="wmd-check"><input type="checkbox" checked={wait.when !== undefined} onChange={(e) => {
              const n = { ...wait }; if (e.target.checked) n.when = true; else delete n.when; onChange(n, 'when-toggle');
            }} /> Only an event matching a condition</label>
            {wait.when !== undefined && <ConditionBuilder label="Event condition" value={wait.when} fields={builder.concat([{ path: 'event.type', label: 'Event type', type: 'string', group: 'Event' }])} dictionary={ctx.fields} onChange={(r) => onChange({ ...wait, when: r }, 'when')} />}
          </div>
          <DurationRow label="Timeout" value={wait.timeout} onChange={(d) => onChange({ ...wait, timeout: d }, 'timeout')} />
        </>
      )}
    </div>
  );
}

function PlaybookNodeInspector({ pb, id, onChange, ctx, builder, problems }: Props & { pb: Playbook; id: string }) {
  if (id === TRIGGER_ID) {
    return (
      <div className="wmd-form">
        <h2>⚡ Trigger</h2>
        <NodeProblems problems={problems.filter((p) => /^\/trigger/.test(p.path))} id={problems.find((p) => /^\/trigger/.test(p.path))?.nodeId ?? TRIGGER_ID} />
        <TriggerForm trigger={pb.trigger} onChange={(t, key) => onChange({ ...pb, trigger: t }, `pb:trigger:${key ?? ''}`)} ctx={ctx} builder={builder} />
        <Outputs doc={pb} id={TRIGGER_ID} onChange={onChange} />
        <p className="wm-muted wm-small">Audience, re-entry and exit criteria: click the empty canvas to see the playbook's settings.</p>
      </div>
    );
  }
  const node = pb.nodes.find((n) => n.id === id);
  if (!node) return <p className="wm-muted">Nothing selected.</p>;
  const emit = (next: PlaybookNode, key: string) => onChange(updatePlaybookNode(pb, id, next), `node:${id}:${key}`);
  return (
    <div className="wmd-form">
      <h2>{KIND_META[node.kind].icon} {KIND_META[node.kind].label}</h2>
      <p className="wm-muted wm-small">Id <code>{node.id}</code></p>
      <NodeProblems problems={problems} id={id} />
      <TextRow label="Label" value={node.label ?? ''} onChange={(v) => { const n: PlaybookNode = { ...node, label: v }; if (!v) delete n.label; emit(n as PlaybookNode, 'label'); }} />
      {node.kind === 'condition' && (
        <>
          <ConditionBuilder label="Yes when" value={node.when} fields={builder} dictionary={ctx.fields} onChange={(r) => emit({ ...node, when: r }, 'when')} />
          <p className="wm-muted wm-small">Connect both the <strong>Yes</strong> and the <strong>No</strong> handle.</p>
        </>
      )}
      {node.kind === 'wait' && <WaitForm wait={node.wait} pb={pb} ctx={ctx} builder={builder} onChange={(w, key) => emit({ ...node, wait: w }, `wait:${key ?? ''}`)} />}
      {node.kind === 'task' && <TaskForm task={node.task} fields={ctx.fields} roles={ROLES} keyPrefix={`node:${id}`} onChange={(t, key) => onChange(updatePlaybookNode(pb, id, { ...node, task: t }), key)} />}
      {node.kind === 'update' && <UpdateForm update={node.update} journeys={ctx.journeys} keyPrefix={`node:${id}`} onChange={(u, key) => onChange(updatePlaybookNode(pb, id, { ...node, update: u }), key)} />}
      {node.kind === 'end' && <p className="wm-muted">The run ends here.</p>}
      <Outputs doc={pb} id={id} onChange={onChange} />
    </div>
  );
}

// ---------- journey ----------

function JourneySettings({ j, onChange }: Props & { j: Journey }) {
  return (
    <div className="wmd-form">
      <h2>Journey</h2>
      <p className="wm-muted wm-small">Select a stage or a transition to edit it.</p>
      <TextRow label="Name" required value={j.name} onChange={(v) => onChange({ ...j, name: v }, 'j:name')} />
      <div className="wmd-row">
        <label className="wm-label" htmlFor="wmd-jdesc">Description</label>
        <textarea id="wmd-jdesc" className="wm-textarea" rows={3} value={j.description ?? ''}
          onChange={(e) => { const n: Journey = { ...j, description: e.target.value }; if (!e.target.value) delete n.description; onChange(n, 'j:desc'); }} />
      </div>
      <SelectRow label="Initial stage" value={j.initialStage} onChange={(v) => onChange({ ...j, initialStage: v }, 'j:initial')}
        options={opts(j.stages.map((s) => [s.id, s.name]), j.initialStage)} />
    </div>
  );
}

function StageInspector({ j, id, onChange, ctx, builder, problems }: Props & { j: Journey; id: string }) {
  const stage = j.stages.find((s) => s.id === id);
  if (!stage) return <p className="wm-muted">Nothing selected.</p>;
  const emit = (next: Stage, key: string) => onChange(updateStage(j, id, next), `stage:${id}:${key}`);
  const optional = (k: 'entry' | 'exit', on: boolean) => { const n = { ...stage }; if (on) n[k] = true; else delete n[k]; emit(n, `${k}-toggle`); };
  const actions = stage.onEntry ?? [];
  const setActions = (next: StageAction[], key: string) => { const n: Stage = { ...stage, onEntry: next }; if (!next.length) delete n.onEntry; emit(n, key); };
  const taken = actions.map((a) => a.id);
  return (
    <div className="wmd-form">
      <h2>▭ Stage</h2>
      <p className="wm-muted wm-small">Id <code>{stage.id}</code>{j.initialStage === id ? ' · initial stage' : ''}</p>
      <NodeProblems problems={problems} id={id} />
      <TextRow label="Name" required value={stage.name} onChange={(v) => emit({ ...stage, name: v }, 'name')} />
      <div className="wmd-row">
        <label className="wm-label" htmlFor="wmd-sdesc">Description</label>
        <textarea id="wmd-sdesc" className="wm-textarea" rows={2} value={stage.description ?? ''}
          onChange={(e) => { const n: Stage = { ...stage, description: e.target.value }; if (!e.target.value) delete n.description; emit(n, 'desc'); }} />
      </div>
      <TextRow label="Target days in stage" type="number" min={1} value={stage.targetDays ?? ''} onChange={(v) => {
        const n = { ...stage }; if (v === '') delete n.targetDays; else n.targetDays = Math.max(1, int(v, 1)); emit(n, 'target');
      }} />
      {j.initialStage !== id && <button type="button" className="wm-btn wm-btn-small" onClick={() => onChange({ ...j, initialStage: id })}>Make this the initial stage</button>}
      {(['entry', 'exit'] as const).map((k) => (
        <div className="wmd-row" key={k}>
          <label className="wmd-check"><input type="checkbox" checked={stage[k] !== undefined} onChange={(e) => optional(k, e.target.checked)} /> {k === 'entry' ? 'Entry criteria' : 'Exit criteria'}</label>
          {stage[k] !== undefined && <ConditionBuilder label={k === 'entry' ? 'Enters when' : 'Done with this stage when'} value={stage[k]} fields={builder} dictionary={ctx.fields} onChange={(r) => emit({ ...stage, [k]: r }, k)} />}
        </div>
      ))}
      <Outputs doc={j} id={id} onChange={onChange} />
      <div className="wmd-section">
        <h3>Actions on entry</h3>
        {actions.length === 0 && <p className="wm-muted wm-small">None.</p>}
        {actions.map((a, i) => (
          <details key={a.id} className="wmd-action" open={actions.length === 1}>
            <summary>{a.kind === 'task' ? `Task: ${a.task.title}` : 'Update account'} <code>{a.id}</code></summary>
            {a.kind === 'task'
              ? <TaskForm task={a.task} fields={ctx.fields} roles={ROLES} keyPrefix={`stage:${id}:a${i}`} onChange={(t, key) => setActions(actions.map((x, k) => (k === i ? { ...a, task: t } : x)), key ?? 'a')} />
              : <UpdateForm update={a.update} journeys={ctx.journeys} keyPrefix={`stage:${id}:a${i}`} onChange={(u, key) => setActions(actions.map((x, k) => (k === i ? { ...a, update: u } : x)), key ?? 'a')} />}
            <button type="button" className="wm-btn wm-btn-ghost wm-btn-small" onClick={() => setActions(actions.filter((_, k) => k !== i), 'a-remove')}>Remove action</button>
          </details>
        ))}
        <div className="wmd-group-add">
          <button type="button" className="wm-btn wm-btn-small" onClick={() => {
            const task: TaskSpec = { title: `${stage.name}: {{account.name}}`, type: 'lifecycle', priority: 'medium', owner: { type: 'account-owner' }, dueDays: 7 };
            setActions([...actions, { kind: 'task', id: freshId('task', taken), task }], 'a-add');
          }}>+ Task</button>
          <button type="button" className="wm-btn wm-btn-small" onClick={() => setActions([...actions, { kind: 'update', id: freshId('update', taken), update: { addTags: [] } }], 'a-add')}>+ Update account</button>
        </div>
      </div>
    </div>
  );
}

// ---------- edges ----------

function EdgeInspector({ doc, id, onChange, ctx, builder, problems }: Props & { id: string }) {
  if (doc.kind === 'playbook') {
    const e = doc.edges.find((x) => x.id === id);
    if (!e) return <p className="wm-muted">Nothing selected.</p>;
    return (
      <div className="wmd-form">
        <h2>Connection</h2>
        <NodeProblems problems={problems} id={id} />
        <p><code>{e.from}</code> → <code>{e.to}</code>{e.branch ? <> on <strong>{e.branch}</strong></> : null}</p>
        <button type="button" className="wm-btn wm-btn-danger wm-btn-small" onClick={() => onChange(removeElements(doc, [], [id]))}>Delete connection</button>
      </div>
    );
  }
  const t = doc.transitions.find((x) => x.id === id);
  if (!t) return <p className="wm-muted">Nothing selected.</p>;
  const name = (sid: string) => doc.stages.find((s) => s.id === sid)?.name ?? sid;
  return (
    <div className="wmd-form">
      <h2>Transition</h2>
      <NodeProblems problems={problems} id={id} />
      <p>{name(t.from)} → {name(t.to)}</p>
      <div className="wmd-row">
        <label className="wmd-check"><input type="checkbox" checked={t.when !== undefined} onChange={(e) => {
          const n = { ...t }; if (e.target.checked) n.when = true; else delete n.when;
          onChange({ ...doc, transitions: doc.transitions.map((x) => (x.id === id ? n : x)) }, `tr:${id}:toggle`);
        }} /> Only when a condition holds</label>
        {t.when !== undefined && <ConditionBuilder label="Moves when" value={t.when} fields={builder} dictionary={ctx.fields}
          onChange={(r) => onChange({ ...doc, transitions: doc.transitions.map((x) => (x.id === id ? { ...t, when: r } : x)) }, `tr:${id}:when`)} />}
        {t.when === undefined && <p className="wm-muted wm-small">Without a condition, the account moves when it meets the exit criteria of "{name(t.from)}" or the entry criteria of "{name(t.to)}".</p>}
      </div>
      <button type="button" className="wm-btn wm-btn-danger wm-btn-small" onClick={() => onChange(removeElements(doc, [], [id]))}>Delete transition</button>
    </div>
  );
}

/** Where each output leads, editable without dragging (keyboard users, precise edits). */
function Outputs({ doc, id, onChange }: { doc: Doc; id: string; onChange: (d: Doc, key?: string) => void }) {
  const targets = doc.kind === 'playbook' ? doc.nodes.map((n) => n.id).filter((x) => x !== id) : doc.stages.map((s) => s.id).filter((x) => x !== id);
  if (doc.kind === 'journey') {
    const out = doc.transitions.filter((t) => t.from === id);
    const free = targets.filter((t) => !out.some((o) => o.to === t));
    return (
      <div className="wmd-section">
        <h3>Transitions to</h3>
        {out.length === 0 && <p className="wm-muted wm-small">None: accounts stay in this stage.</p>}
        <ul className="wmd-outs">{out.map((t) => (
          <li key={t.id}>{labelOf(doc, t.to)}{t.when !== undefined ? <span className="wm-muted wm-small"> (with a condition)</span> : null}
            <button type="button" className="wm-btn wm-btn-ghost wm-btn-small" aria-label={`Remove the transition to ${labelOf(doc, t.to)}`} onClick={() => onChange(removeElements(doc, [], [t.id]))}>✕</button></li>
        ))}</ul>
        {free.length > 0 && (
          <select className="wm-select" aria-label="Add a transition to" value="" onChange={(e) => { if (e.target.value) onChange(connect(doc, id, e.target.value)); }}>
            <option value="">Add a transition to…</option>
            {free.map((t) => <option key={t} value={t}>{labelOf(doc, t)}</option>)}
          </select>
        )}
      </div>
    );
  }
  const handles = outputHandles(doc, id);
  if (!handles.length) return null;
  const name = (b: string | undefined) => (b === 'yes' ? 'If yes, go to' : b === 'no' ? 'If no, go to' : b === 'timeout' ? 'On timeout, go to' : 'Then go to');
  return (
    <div className="wmd-section">
      <h3>Next steps</h3>
      {handles.map((b) => {
        const edge = doc.edges.find((e) => e.from === id && e.branch === b);
        return (
          <SelectRow key={b ?? 'out'} label={name(b)} value={edge?.to ?? ''}
            options={[['', '(not connected)'], ...targets.map((t) => [t, labelOf(doc, t)] as [string, string])]}
            onChange={(to) => onChange(to ? connect(doc, id, to, b) : removeElements(doc, [], edge ? [edge.id] : []))} />
        );
      })}
    </div>
  );
}
