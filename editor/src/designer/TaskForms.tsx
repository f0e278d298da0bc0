/**
 * Forms for what a node does: create a task (CTA) with checklist and email template, or
 * update the account (stage, tags, flags). Shared by playbook nodes and journey stage actions.
 */
import { useId, useMemo, useRef, useState } from 'react';
import type { AccountUpdate, FieldDef, Journey, TaskSpec, ChecklistStep, Owner } from '../../../engine/schema/definitions.js';
import { freshId } from './graph-model.js';
import { renderPreviewHtml } from './engine-bridge.js';
import { AccountPicker } from './AccountPicker.js';
import type { AccountLite } from './designer-api.js';

export type Emit<T> = (next: T, key?: string) => void;

export function TextRow({ label, value, onChange, placeholder, required, type = 'text', min, max, hint }: {
  label: string; value: string | number | undefined; onChange: (v: string) => void; placeholder?: string; required?: boolean;
  type?: 'text' | 'number'; min?: number; max?: number; hint?: string;
}) {
  const id = useId();
  return (
    <div className="wmd-row">
      <label className="wm-label" htmlFor={id}>{label}{required ? ' *' : ''}</label>
      <input id={id} className="wm-input" type={type} value={value ?? ''} placeholder={placeholder} min={min} max={max}
        onChange={(e) => onChange(e.target.value)} aria-describedby={hint ? id + '-hint' : undefined} />
      {hint && <p id={id + '-hint'} className="wm-muted wm-small">{hint}</p>}
    </div>
  );
}

export function SelectRow<T extends string>({ label, value, options, onChange }: { label: string; value: T; options: [T, string][]; onChange: (v: T) => void }) {
  const id = useId();
  return (
    <div className="wmd-row">
      <label className="wm-label" htmlFor={id}>{label}</label>
      <select id={id} className="wm-select" value={value} onChange={(e) => onChange(e.target.value as T)}>
        {options.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
      </select>
    </div>
  );
}

export function int(v: string, fallback = 0): number {
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : fallback;
}

/** A money field, as the data dictionary marks it (format: money). */
export function isMoneyField(f: Pick<FieldDef, 'type' | 'format'>): boolean {
  return (f.type === 'number' || f.type === 'integer') && f.format === 'money';
}

/** A date that records something that has happened (last update, opened at): days until it reads as nonsense. */
function isPastDate(f: Pick<FieldDef, 'name' | 'label'>): boolean {
  return /At$/.test(f.name) || /\b(last|latest|oldest|newest|since|opened|responded|churned|created)\b/i.test(f.label);
}

/** The label inside a sentence: first letter lower-cased unless it starts an acronym ("CSM", "NPS"). */
function inSentence(label: string): string {
  return /^[A-Z][a-z]/.test(label) ? label[0].toLowerCase() + label.slice(1) : label;
}

/** The merge fields a template may use (architecture: templates). */
export function mergeFields(fields: FieldDef[]): { value: string; label: string }[] {
  const out: { value: string; label: string }[] = [];
  for (const f of fields) out.push({ value: `{{account.${f.name}}}`, label: `${f.label}` });
  for (const f of fields.filter((x) => x.type === 'date')) {
    out.push({ value: `{{date account.${f.name}}}`, label: `${f.label} (as a date)` });
    if (!isPastDate(f)) out.push({ value: `{{days_until account.${f.name}}}`, label: `Days until ${inSentence(f.label)}` });
    // "Usage green since": days of usage green, not "days since usage green since"; "Churned on": days since churned.
    const since = /^(.*\S)\s+since$/i.exec(f.label);
    out.push({ value: `{{days_since account.${f.name}}}`, label: since ? `Days of ${inSentence(since[1])}` : `Days since ${inSentence(f.label.replace(/\s+(on|at)$/i, ''))}` });
  }
  for (const f of fields.filter(isMoneyField)) {
    out.push({ value: `{{money account.${f.name}}}`, label: `${f.label} (as money)` });
  }
  out.push({ value: '{{health.score}}', label: 'Health score' }, { value: '{{health.color}}', label: 'Health colour' }, { value: '{{now}}', label: 'Today' });
  return out;
}

/** A text input or textarea with an "Insert field" picker that inserts at the cursor. */
export function TemplateInput({ label, value, onChange, fields, multiline, required, placeholder }: {
  label: string; value: string; onChange: (v: string) => void; fields: FieldDef[]; multiline?: boolean; required?: boolean; placeholder?: string;
}) {
  const id = useId();
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const options = useMemo(() => mergeFields(fields), [fields]);
  const insert = (token: string) => {
    const el = ref.current;
    const start = el?.selectionStart ?? value.length;
    const end = el?.selectionEnd ?? value.length;
    const next = value.slice(0, start) + token + value.slice(end);
    onChange(next);
    requestAnimationFrame(() => { el?.focus(); el?.setSelectionRange(start + token.length, start + token.length); });
  };
  return (
    <div className="wmd-row">
      <div className="wmd-row-head">
        <label className="wm-label" htmlFor={id}>{label}{required ? ' *' : ''}</label>
        <select className="wm-select wmd-small wmd-merge" aria-label={`Insert a merge field into ${label}`} value="" onChange={(e) => { if (e.target.value) insert(e.target.value); }}>
          <option value="">Insert field…</option>
          {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      </div>
      {multiline
        ? <textarea id={id} ref={ref} className="wm-textarea" rows={6} value={value} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />
        : <input id={id} ref={ref} className="wm-input" value={value} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />}
    </div>
  );
}

export function TaskForm({ task, onChange, fields, keyPrefix, roles }: { task: TaskSpec; onChange: Emit<TaskSpec>; fields: FieldDef[]; keyPrefix: string; roles: string[] }) {
  const up = (patch: Partial<TaskSpec>, key: string) => onChange({ ...task, ...patch }, `${keyPrefix}:${key}`);
  const steps = task.steps ?? [];
  const setSteps = (next: ChecklistStep[], key: string) => {
    const t: TaskSpec = { ...task, steps: next };
    if (!next.length) delete t.steps;
    onChange(t, `${keyPrefix}:${key}`);
  };
  const ownerType = task.owner.type;
  return (
    <div className="wmd-form">
      <TemplateInput label="Title" required value={task.title} onChange={(v) => up({ title: v }, 'title')} fields={fields} />
      <div className="wmd-cols">
        <SelectRow label="Type" value={task.type} onChange={(v) => up({ type: v }, 'type')}
          options={[['risk', 'Risk'], ['opportunity', 'Opportunity'], ['lifecycle', 'Lifecycle'], ['activity', 'Activity']]} />
        <SelectRow label="Priority" value={task.priority} onChange={(v) => up({ priority: v }, 'priority')}
          options={[['urgent', 'Urgent'], ['high', 'High'], ['medium', 'Medium'], ['low', 'Low']]} />
      </div>
      <div className="wmd-cols">
        <SelectRow label="Owner" value={ownerType} onChange={(v) => {
          const owner: Owner = v === 'account-owner' ? { type: 'account-owner' } : v === 'role' ? { type: 'role', role: roles[0] ?? 'cs-manager' } : { type: 'user', user: '' };
          up({ owner }, 'owner-type');
        }} options={[['account-owner', 'Account owner'], ['role', 'Team role'], ['user', 'A named user']]} />
        <TextRow label="Due after (days)" type="number" min={0} max={3650} value={task.dueDays} onChange={(v) => up({ dueDays: Math.max(0, int(v)) }, 'due')} />
      </div>
      {task.owner.type === 'role' && (
        <div className="wmd-row">
          <TextRow label="Role" value={task.owner.role} onChange={(v) => up({ owner: { type: 'role', role: v } }, 'owner-role')} hint={roles.length ? `Team roles: ${roles.join(', ')}` : undefined} />
        </div>
      )}
      {task.owner.type === 'user' && <TextRow label="User id" value={task.owner.user} onChange={(v) => up({ owner: { type: 'user', user: v } }, 'owner-user')} />}
      <TemplateInput label="Reason shown in the queue" value={task.reason ?? ''} fields={fields}
        onChange={(v) => { const t: TaskSpec = { ...task, reason: v }; if (!v) delete t.reason; onChange(t, `${keyPrefix}:reason`); }}
        placeholder="e.g. Renewal in {{days_until account.renewalDate}} days" />
      <div className="wmd-row">
        <div className="wm-label">Checklist steps</div>
        {steps.length === 0 && <p className="wm-muted wm-small">No steps.</p>}
        <ol className="wmd-steps">
          {steps.map((s, i) => (
            <li key={s.id}>
              <input className="wm-input" aria-label={`Step ${i + 1} title`} value={s.title}
                onChange={(e) => setSteps(steps.map((x, j) => (j === i ? { ...x, title: e.target.value } : x)), `step-${s.id}`)} />
              <input className="wm-input wmd-num" type="number" min={0} aria-label={`Step ${i + 1} due after days`} title="Due after (days)" value={s.dueDays ?? ''}
                onChange={(e) => setSteps(steps.map((x, j) => {
                  if (j !== i) return x;
                  const y = { ...x };
                  if (e.target.value === '') delete y.dueDays; else y.dueDays = Math.max(0, int(e.target.value));
                  return y;
                }), `step-due-${s.id}`)} />
              <button type="button" className="wm-btn wm-btn-ghost wm-btn-small" aria-label={`Move step ${i + 1} up`} disabled={i === 0}
                onClick={() => { const n = [...steps]; [n[i - 1], n[i]] = [n[i], n[i - 1]]; setSteps(n, 'move'); }}>↑</button>
              <button type="button" className="wm-btn wm-btn-ghost wm-btn-small" aria-label={`Remove step ${i + 1}`} onClick={() => setSteps(steps.filter((_, j) => j !== i), 'remove')}>✕</button>
            </li>
          ))}
        </ol>
        <button type="button" className="wm-btn wm-btn-small" onClick={() => setSteps([...steps, { id: freshId('step', steps.map((s) => s.id)), title: 'New step' }], 'add-step')}>+ Step</button>
      </div>
      <EmailSection task={task} onChange={onChange} fields={fields} keyPrefix={keyPrefix} />
    </div>
  );
}

function EmailSection({ task, onChange, fields, keyPrefix }: { task: TaskSpec; onChange: Emit<TaskSpec>; fields: FieldDef[]; keyPrefix: string }) {
  const [account, setAccount] = useState<AccountLite | null>(null);
  const email = task.email;
  if (!email) {
    return (
      <div className="wmd-row">
        <div className="wm-label">Email template</div>
        <button type="button" className="wm-btn wm-btn-small" onClick={() => onChange({ ...task, email: { to: '{{account.primaryContactEmail}}', subject: 'About {{account.name}}', body: 'Hi {{account.primaryContactName}},\n\n' } }, `${keyPrefix}:email-add`)}>+ Email template</button>
      </div>
    );
  }
  const up = (patch: Partial<NonNullable<TaskSpec['email']>>, key: string) => {
    const e = { ...email, ...patch };
    if (!e.to) delete e.to;
    onChange({ ...task, email: e }, `${keyPrefix}:email-${key}`);
  };
  const nowMs = Date.now();
  const html = account
    ? `<!doctype html><html><head><meta charset="utf-8"><style>body{font:14px/1.5 system-ui,sans-serif;margin:12px;color:#1d2330}.h{color:#5f6b7c;font-size:12px}</style></head><body>`
      + `<div class="h">To: ${renderPreviewHtml(email.to ?? '', account, nowMs)}</div><div class="h">Subject: <strong>${renderPreviewHtml(email.subject, account, nowMs)}</strong></div><hr>`
      + `${renderPreviewHtml(email.body, account, nowMs)}</body></html>`
    : '';
  return (
    <div className="wmd-row wmd-email">
      <div className="wmd-row-head"><div className="wm-label">Email template</div>
        <button type="button" className="wm-btn wm-btn-ghost wm-btn-small" onClick={() => { const t = { ...task }; delete t.email; onChange(t, `${keyPrefix}:email-remove`); }}>Remove email</button></div>
      <TemplateInput label="To" value={email.to ?? ''} onChange={(v) => up({ to: v }, 'to')} fields={fields} />
      <TemplateInput label="Subject" required value={email.subject} onChange={(v) => up({ subject: v }, 'subject')} fields={fields} />
      <TemplateInput label="Body" required multiline value={email.body} onChange={(v) => up({ body: v }, 'body')} fields={fields} />
      <div className="wmd-email-preview">
        <AccountPicker label="Preview with account" value={account} onPick={setAccount} />
        {account && <iframe title="Email preview" className="wmd-iframe" sandbox="" srcDoc={html} />}
      </div>
    </div>
  );
}

export function UpdateForm({ update, onChange, journeys, keyPrefix }: { update: AccountUpdate; onChange: Emit<AccountUpdate>; journeys: Journey[]; keyPrefix: string }) {
  const set = (next: AccountUpdate, key: string) => onChange(next, `${keyPrefix}:${key}`);
  const journey = journeys.find((j) => j.id === update.stage?.journey);
  const flags = Object.entries(update.flags ?? {});
  return (
    <div className="wmd-form">
      <div className="wmd-row">
        <label className="wmd-check"><input type="checkbox" checked={!!update.stage} onChange={(e) => {
          const n = { ...update };
          if (e.target.checked) { const j = journeys[0]; n.stage = { journey: j?.id ?? 'lifecycle', stage: j?.stages[0]?.id ?? 'onboarding' }; } else delete n.stage;
          set(n, 'stage-toggle');
        }} /> Move to a journey stage</label>
        {update.stage && (
          <div className="wmd-cols">
            <SelectRow label="Journey" value={update.stage.journey} onChange={(v) => set({ ...update, stage: { journey: v, stage: journeys.find((j) => j.id === v)?.stages[0]?.id ?? '' } }, 'stage-j')}
              options={withCurrent(journeys.map((j) => [j.id, j.name] as [string, string]), update.stage.journey)} />
            <SelectRow label="Stage" value={update.stage.stage} onChange={(v) => set({ ...update, stage: { ...update.stage!, stage: v } }, 'stage-s')}
              options={withCurrent((journey?.stages ?? []).map((s) => [s.id, s.name] as [string, string]), update.stage.stage)} />
          </div>
        )}
      </div>
      <TagList label="Add tags" value={update.addTags ?? []} onChange={(v) => { const n: AccountUpdate = { ...update, addTags: v }; if (!v.length) delete n.addTags; set(n, 'add-tags'); }} />
      <TagList label="Remove tags" value={update.removeTags ?? []} onChange={(v) => { const n: AccountUpdate = { ...update, removeTags: v }; if (!v.length) delete n.removeTags; set(n, 'remove-tags'); }} />
      <div className="wmd-row">
        <div className="wm-label">Flags</div>
        {flags.map(([k, v], i) => (
          <div key={i} className="wmd-flag-row">
            <input className="wm-input" aria-label={`Flag ${i + 1} name`} value={k} onChange={(e) => {
              const next: Record<string, boolean> = {};
              flags.forEach(([kk, vv], j) => { next[j === i ? e.target.value : kk] = vv; });
              set({ ...update, flags: next }, `flag-name-${i}`);
            }} />
            <select className="wm-select wmd-small" aria-label={`Flag ${k} value`} value={String(v)} onChange={(e) => set({ ...update, flags: { ...update.flags, [k]: e.target.value === 'true' } }, `flag-v-${i}`)}>
              <option value="true">set (true)</option><option value="false">clear (false)</option>
            </select>
            <button type="button" className="wm-btn wm-btn-ghost wm-btn-small" aria-label={`Remove flag ${k}`} onClick={() => {
              const next = { ...update.flags }; delete next[k];
              const n: AccountUpdate = { ...update, flags: next }; if (!Object.keys(next).length) delete n.flags;
              set(n, 'flag-remove');
            }}>✕</button>
          </div>
        ))}
        <button type="button" className="wm-btn wm-btn-small" onClick={() => set({ ...update, flags: { ...update.flags, [freshId('flag', Object.keys(update.flags ?? {}))]: true } }, 'flag-add')}>+ Flag</button>
      </div>
    </div>
  );
}

function withCurrent(options: [string, string][], current: string): [string, string][] {
  return options.some(([v]) => v === current) ? options : [[current, current || '(choose)'], ...options];
}

/** Tags as comma-separated ids; kept as typed while editing so a trailing comma does not vanish. */
function TagList({ label, value, onChange }: { label: string; value: string[]; onChange: (v: string[]) => void }) {
  const [text, setText] = useState(value.join(', '));
  const id = useId();
  const parsed = text.split(',').map((s) => s.trim()).filter(Boolean);
  const shown = parsed.join(',') === value.join(',') ? text : value.join(', ');
  return (
    <div className="wmd-row">
      <label className="wm-label" htmlFor={id}>{label}</label>
      <input id={id} className="wm-input" value={shown} placeholder="e.g. renewal-at-risk, ebr-done"
        onChange={(e) => { setText(e.target.value); onChange(e.target.value.split(',').map((s) => s.trim()).filter(Boolean)); }} />
    </div>
  );
}
