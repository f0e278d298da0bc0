/**
 * The visual condition builder: nested all/any groups of "field operator value" clauses
 * over the data dictionary, with the stored JSON Logic shown beside it and editable.
 * Parts the builder cannot show stay as raw JSON Logic with a note (see rule-model.ts).
 */
import { useEffect, useId, useMemo, useState } from 'react';
import {
  ruleToModel, modelToRule, opsForType, opTakesValue, defaultValue, fieldFor, isDateOp,
  OP_LABELS, type BuilderField, type Clause, type ClauseOp, type Group, type Item,
} from './rule-model.js';
import { describeRuleSafe } from './engine-bridge.js';
import type { FieldDef } from '../../../engine/schema/definitions.js';

export interface ConditionBuilderProps {
  label: string;
  value: unknown;
  onChange: (rule: unknown) => void;
  fields: BuilderField[];
  /** The dictionary, for the plain-language summary. */
  dictionary?: FieldDef[];
  /** Shown when the value is empty (true). */
  emptyText?: string;
}

type Path = number[];
const OTHER = '\u0000other';

function updateAt(root: Group, path: Path, fn: (item: Item) => Item | null): Group {
  if (path.length === 0) return fn(root) as Group;
  const [i, ...rest] = path;
  const children = [...root.children];
  if (rest.length === 0) {
    const next = fn(children[i]);
    if (next === null) children.splice(i, 1);
    else children[i] = next;
  } else {
    children[i] = updateAt(children[i] as Group, rest, fn);
  }
  return { ...root, children };
}

export function ConditionBuilder({ label, value, onChange, fields, dictionary, emptyText }: ConditionBuilderProps) {
  const model = useMemo(() => ruleToModel(value), [value]);
  const [showJson, setShowJson] = useState(false);
  const id = useId();
  const commit = (m: Group) => onChange(modelToRule(m));
  const summary = dictionary ? describeRuleSafe(value, dictionary) : null;

  return (
    <fieldset className="wmd-cond" aria-labelledby={id}>
      <div className="wmd-cond-head">
        <span id={id} className="wmd-cond-label">{label}</span>
        <button type="button" className="wm-btn wm-btn-ghost wm-btn-small" aria-pressed={showJson} onClick={() => setShowJson(!showJson)}>
          {showJson ? 'Hide JSON Logic' : 'JSON Logic'}
        </button>
      </div>
      {summary && value !== true && value !== undefined && <p className="wmd-cond-summary">{summary}</p>}
      <GroupView group={model} path={[]} root={model} fields={fields} onCommit={commit} isRoot emptyText={emptyText} />
      {showJson && <JsonEditor value={value} onChange={onChange} label={`${label} as JSON Logic`} />}
    </fieldset>
  );
}

function GroupView({ group, path, root, fields, onCommit, isRoot, emptyText }: {
  group: Group; path: Path; root: Group; fields: BuilderField[]; onCommit: (m: Group) => void; isRoot?: boolean; emptyText?: string;
}) {
  const edit = (fn: (item: Item) => Item | null) => onCommit(updateAt(root, path, fn));
  const addClause = () => {
    const f = fields[0];
    const op = f ? opsForType(f.type)[0] : 'is_empty';
    const clause: Clause = { kind: 'clause', field: f?.path ?? 'name', op, value: defaultValue(op, f) };
    edit((g) => ({ ...(g as Group), children: [...(g as Group).children, clause] }));
  };
  const addGroup = () => edit((g) => ({ ...(g as Group), children: [...(g as Group).children, { kind: 'group', op: 'or', children: [] }] }));
  const many = group.children.length > 1 || !group.implicit;
  return (
    <div className={'wmd-group' + (isRoot ? ' wmd-group-root' : '')} role="group" aria-label={group.op === 'and' ? 'All of' : 'Any of'}>
      {(many || !isRoot) && (
        <div className="wmd-group-head">
          <select className="wm-select wmd-small" aria-label="Match" value={group.op}
            onChange={(e) => edit((g) => ({ ...(g as Group), op: e.target.value as 'and' | 'or', implicit: false }))}>
            <option value="and">All of these (and)</option>
            <option value="or">Any of these (or)</option>
          </select>
          {!isRoot && <button type="button" className="wm-btn wm-btn-ghost wm-btn-small" aria-label="Remove group" onClick={() => edit(() => null)}>Remove group</button>}
        </div>
      )}
      {group.children.length === 0 && <p className="wm-muted wm-small">{isRoot ? (emptyText ?? 'Always (no condition yet).') : 'Empty group: add a condition.'}</p>}
      <ul className="wmd-group-items">
        {group.children.map((child, i) => (
          <li key={i}>
            {child.kind === 'group' && <GroupView group={child} path={[...path, i]} root={root} fields={fields} onCommit={onCommit} />}
            {child.kind === 'clause' && <ClauseView clause={child} fields={fields} onChange={(c) => edit((g) => ({ ...(g as Group), children: (g as Group).children.map((x, j) => (j === i ? c : x)) }))}
              onRemove={() => edit((g) => ({ ...(g as Group), children: (g as Group).children.filter((_, j) => j !== i) }))} />}
            {child.kind === 'raw' && (
              <div className="wmd-raw">
                <p className="wm-small wmd-note">{child.note}</p>
                <JsonEditor value={child.rule} label="Raw JSON Logic" onChange={(rule) => edit((g) => ({ ...(g as Group), children: (g as Group).children.map((x, j) => (j === i ? reparseItem(rule) : x)) }))} />
                <button type="button" className="wm-btn wm-btn-ghost wm-btn-small" onClick={() => edit((g) => ({ ...(g as Group), children: (g as Group).children.filter((_, j) => j !== i) }))}>Remove</button>
              </div>
            )}
          </li>
        ))}
      </ul>
      <div className="wmd-group-add">
        <button type="button" className="wm-btn wm-btn-small" onClick={addClause}>+ Condition</button>
        <button type="button" className="wm-btn wm-btn-small" onClick={addGroup}>+ Group</button>
      </div>
    </div>
  );
}

/** A raw part edited to something the builder understands becomes visual again. */
function reparseItem(rule: unknown): Item {
  const g = ruleToModel(rule);
  return g.implicit && g.children.length === 1 ? g.children[0] : g.implicit ? { kind: 'raw', rule, note: 'Always true' } : g;
}

function ClauseView({ clause, fields, onChange, onRemove }: { clause: Clause; fields: BuilderField[]; onChange: (c: Clause) => void; onRemove: () => void }) {
  const field = fieldFor(clause.field, fields);
  const known = fields.some((f) => f.path === clause.field);
  const ops = opsForType(field.type);
  const opList = ops.includes(clause.op) ? ops : [clause.op, ...ops];
  const groups = useMemo(() => {
    const m = new Map<string, BuilderField[]>();
    for (const f of fields) m.set(f.group, [...(m.get(f.group) ?? []), f]);
    return [...m.entries()];
  }, [fields]);

  const changeField = (picked: string) => {
    // "Another path…" asks for a path the dictionary does not list (flags.x, event.data.k).
    const path = picked === OTHER ? window.prompt('Path to read, e.g. flags.vip or event.data.score', clause.field)?.trim() : picked;
    if (!path) return;
    const f = fieldFor(path, fields);
    const fOps = opsForType(f.type);
    const op = fOps.includes(clause.op) && sameValueKind(clause.op, f, field) ? clause.op : fOps[0];
    onChange({ kind: 'clause', field: path, op, value: op === clause.op ? clause.value : defaultValue(op, f) });
  };
  const changeOp = (op: ClauseOp) => {
    const keep = opTakesValue(op) && valueKind(op) === valueKind(clause.op);
    onChange({ ...clause, op, value: keep ? clause.value : defaultValue(op, field) });
  };

  return (
    <div className="wmd-clause">
      <select className="wm-select wmd-small" aria-label="Field" value={clause.field} onChange={(e) => changeField(e.target.value)}>
        {!known && <option value={clause.field}>{field.label}{field.group === 'Unknown' ? ' (unknown field)' : ''}</option>}
        {groups.map(([g, fs]) => (
          <optgroup key={g} label={g}>{fs.map((f) => <option key={f.path} value={f.path}>{f.label}</option>)}</optgroup>
        ))}
        <option value={OTHER}>Another path…</option>
      </select>
      <select className="wm-select wmd-small" aria-label="Operator" value={clause.op} onChange={(e) => changeOp(e.target.value as ClauseOp)}>
        {opList.map((op) => <option key={op} value={op}>{OP_LABELS[op]}</option>)}
      </select>
      {opTakesValue(clause.op) && <ValueInput clause={clause} field={field} onChange={(value) => onChange({ ...clause, value })} />}
      <button type="button" className="wm-btn wm-btn-ghost wm-btn-small" aria-label={`Remove condition on ${field.label}`} onClick={onRemove}>✕</button>
    </div>
  );
}

type ValueKind = 'number' | 'scalar' | 'list' | 'none';
function valueKind(op: ClauseOp): ValueKind {
  if (!opTakesValue(op)) return 'none';
  if (isDateOp(op) || ['==', '!=', '<', '<=', '>', '>='].includes(op)) return 'number';
  if (op === 'one_of') return 'list';
  return 'scalar';
}
function sameValueKind(op: ClauseOp, a: BuilderField, b: BuilderField): boolean {
  return valueKind(op) !== 'scalar' || JSON.stringify(a.values ?? null) === JSON.stringify(b.values ?? null);
}

function ValueInput({ clause, field, onChange }: { clause: Clause; field: BuilderField; onChange: (v: unknown) => void }) {
  const kind = valueKind(clause.op);
  if (kind === 'number') {
    const days = isDateOp(clause.op);
    return (
      <span className="wmd-value">
        <input className="wm-input wmd-num" type="number" aria-label={days ? 'Days' : 'Value'} value={typeof clause.value === 'number' ? clause.value : ''}
          onChange={(e) => onChange(e.target.value === '' ? 0 : Number(e.target.value))} />
        {days && <span className="wm-muted wm-small">days</span>}
      </span>
    );
  }
  if (kind === 'list') {
    const list = Array.isArray(clause.value) ? (clause.value as unknown[]).map(String) : [];
    if (field.values?.length) {
      return (
        <span className="wmd-value wmd-checks" role="group" aria-label="Values">
          {field.values.map((v) => (
            <label key={v} className="wm-small"><input type="checkbox" checked={list.includes(v)}
              onChange={(e) => onChange(e.target.checked ? [...list, v] : list.filter((x) => x !== v))} /> {v}</label>
          ))}
        </span>
      );
    }
    return <CommaList value={list} onChange={onChange} />;
  }
  if (field.values?.length && (clause.op === 'is' || clause.op === 'is_not')) {
    const v = String(clause.value ?? '');
    return (
      <select className="wm-select wmd-small" aria-label="Value" value={v} onChange={(e) => onChange(e.target.value)}>
        {!field.values.includes(v) && <option value={v}>{v || '(choose)'}</option>}
        {field.values.map((x) => <option key={x} value={x}>{x}</option>)}
      </select>
    );
  }
  return <input className="wm-input wmd-text" aria-label="Value" value={String(clause.value ?? '')} onChange={(e) => onChange(e.target.value)} />;
}

function CommaList({ value, onChange }: { value: string[]; onChange: (v: string[]) => void }) {
  const [text, setText] = useState(value.join(', '));
  useEffect(() => { if (text.split(',').map((s) => s.trim()).filter(Boolean).join(',') !== value.join(',')) setText(value.join(', ')); }, [value.join(',')]); // eslint-disable-line react-hooks/exhaustive-deps
  return <input className="wm-input wmd-text" aria-label="Values, separated by commas" value={text}
    onChange={(e) => { setText(e.target.value); onChange(e.target.value.split(',').map((s) => s.trim()).filter(Boolean)); }} />;
}

/** JSON text editing of a rule: applies when the text parses, says why when it does not. */
export function JsonEditor({ value, onChange, label }: { value: unknown; onChange: (v: unknown) => void; label: string }) {
  const pretty = JSON.stringify(value ?? null, null, 2);
  const [text, setText] = useState(pretty);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // Follow outside changes (the builder) unless the text already means the same.
    try { if (JSON.stringify(JSON.parse(text)) === JSON.stringify(value ?? null)) return; } catch { /* replaced below */ }
    setText(pretty);
    setError(null);
  }, [pretty]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div className="wmd-json">
      <textarea className="wm-textarea wmd-code" aria-label={label} spellCheck={false} value={text} rows={Math.min(14, Math.max(3, text.split('\n').length))}
        onChange={(e) => {
          setText(e.target.value);
          try {
            const v = JSON.parse(e.target.value);
            setError(null);
            onChange(v);
          } catch (err) {
            setError(`Not valid JSON yet: ${(err as Error).message}`);
          }
        }} />
      {error && <p className="wm-small wmd-error-text" role="status">{error}</p>}
    </div>
  );
}

