/**
 * The visual condition builder's model and its two-way mapping to JSON Logic.
 *
 * JSON Logic is what is stored; the builder is a view of it. Every shape the builder
 * can show maps back to exactly the JSON it came from (ruleToModel then modelToRule
 * is the identity), and anything else is kept verbatim as a raw item with a note, so
 * opening a rule in the builder never changes it.
 */
import type { FieldDef, FieldType } from '../../../engine/schema/definitions.js';

/** A variable the builder can offer: a dictionary field or a built-in path such as health.score. */
export interface BuilderField {
  path: string;
  label: string;
  type: FieldType;
  values?: string[];
  group: string;
}

export type NumberOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
/**
 * Date ops compare whole days from now: `until:<op>` is days_until(field) <op> N,
 * `since:<op>` is days_since(field) <op> N; within_next/within_last are 0 <= days <= N.
 */
export type DateOp = 'within_next' | 'within_last' | `until:${NumberOp}` | `since:${NumberOp}`;
export type ClauseOp =
  | NumberOp
  | DateOp
  | 'is' | 'is_not' | 'one_of' | 'contains' | 'not_contains'
  | 'is_true' | 'is_false' | 'is_empty' | 'not_empty'
  /** {"!!": [var]} and {"!": [var]}: JSON Logic truthiness (a value that is set / not set or false). */
  | 'truthy' | 'falsy';

export interface Clause {
  kind: 'clause';
  field: string;
  op: ClauseOp;
  /** number for numeric and date ops, string/number for is/is_not, string[] for one_of, string for contains. */
  value?: unknown;
  /** days_until/days_since written with an array argument ({"days_until": [{"var": f}]}) - kept for exact round trips. */
  argArray?: boolean;
}
export interface Group {
  kind: 'group';
  op: 'and' | 'or';
  children: Item[];
  /** The rule was a single clause (or `true`), not wrapped in and/or; written back the same way while it has at most one child. */
  implicit?: boolean;
}
export interface Raw {
  kind: 'raw';
  rule: unknown;
  note: string;
}
export type Item = Clause | Group | Raw;

export const OP_LABELS: Record<ClauseOp, string> = {
  '==': '=', '!=': '≠', '<': '<', '<=': '≤', '>': '>', '>=': '≥',
  within_next: 'within the next N days', within_last: 'within the last N days',
  'since:>': 'more than N days ago', 'since:<': 'less than N days ago', 'since:>=': 'N or more days ago',
  'since:<=': 'N or fewer days ago (or in the future)', 'since:==': 'exactly N days ago', 'since:!=': 'not exactly N days ago',
  'until:<=': 'N or fewer days away (or past)', 'until:<': 'less than N days away (or past)', 'until:>': 'more than N days away',
  'until:>=': 'N or more days away', 'until:==': 'exactly N days away', 'until:!=': 'not exactly N days away',
  truthy: 'is set (truthy)', falsy: 'is not set (falsy)',
  is: 'is', is_not: 'is not', one_of: 'is one of', contains: 'contains', not_contains: 'does not contain',
  is_true: 'is true', is_false: 'is false', is_empty: 'is empty', not_empty: 'is not empty',
};

/** Operators that fit a field type (what the builder offers). */
export function opsForType(type: FieldType): ClauseOp[] {
  const any: ClauseOp[] = ['is_empty', 'not_empty', 'truthy', 'falsy'];
  switch (type) {
    case 'number':
    case 'integer':
      return ['==', '!=', '<', '<=', '>', '>=', ...any];
    case 'date':
      return ['within_next', 'within_last', 'since:>', 'since:<', 'since:>=', 'since:<=', 'until:<=', 'until:<', 'until:>', 'until:>=', 'until:==', 'since:==', ...any];
    case 'enum':
    case 'string':
      return ['is', 'is_not', 'one_of', ...any];
    case 'list':
      return ['contains', 'not_contains', ...any];
    case 'boolean':
      return ['is_true', 'is_false', ...any];
    default:
      return any;
  }
}

/** Ops that take no value. */
export function opTakesValue(op: ClauseOp): boolean {
  return !['is_true', 'is_false', 'is_empty', 'not_empty', 'truthy', 'falsy'].includes(op);
}

/** A sensible starting value when the op or field changes. */
export function defaultValue(op: ClauseOp, field?: BuilderField): unknown {
  if (!opTakesValue(op)) return undefined;
  if (op === 'one_of') return field?.values?.slice(0, 1) ?? [];
  if (isDateOp(op)) return 30;
  if (field && (field.type === 'number' || field.type === 'integer')) return 0;
  if (field?.values?.length) return field.values[0];
  return '';
}

const NUMBER_OPS: NumberOp[] = ['==', '!=', '<', '<=', '>', '>='];

export function isDateOp(op: ClauseOp): op is DateOp {
  return op === 'within_next' || op === 'within_last' || op.startsWith('until:') || op.startsWith('since:');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** The single key of a one-key object (a JSON Logic operation), else null. */
function opOf(rule: unknown): { op: string; args: unknown } | null {
  if (!isPlainObject(rule)) return null;
  const keys = Object.keys(rule);
  if (keys.length !== 1) return null;
  return { op: keys[0], args: rule[keys[0]] };
}
/** {"var": "path"} with a plain string path -> path. */
function varPath(v: unknown): string | null {
  const o = opOf(v);
  if (!o || o.op !== 'var' || typeof o.args !== 'string' || o.args === '') return null;
  return o.args;
}
/** {"days_until": {"var": f}} or {"days_until": [{"var": f}]} */
function dayFn(v: unknown): { fn: 'days_until' | 'days_since'; field: string; argArray: boolean } | null {
  const o = opOf(v);
  if (!o || (o.op !== 'days_until' && o.op !== 'days_since')) return null;
  if (Array.isArray(o.args)) {
    if (o.args.length !== 1) return null;
    const f = varPath(o.args[0]);
    return f ? { fn: o.op, field: f, argArray: true } : null;
  }
  const f = varPath(o.args);
  return f ? { fn: o.op, field: f, argArray: false } : null;
}
const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'number';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function parseClause(rule: unknown): Clause | null {
  const o = opOf(rule);
  if (!o) return null;
  const a = o.args;
  // truthiness: {"!!": [var]} / {"!": [var]} (also without the array)
  if (o.op === '!!' || o.op === '!') {
    const arr = Array.isArray(a);
    const inner = arr ? ((a as unknown[]).length === 1 ? (a as unknown[])[0] : undefined) : a;
    const f = varPath(inner);
    if (f) return { kind: 'clause', field: f, op: o.op === '!!' ? 'truthy' : 'falsy', argArray: arr };
  }
  // negation: {"!": {"in": [x, {"var": list}]}}
  if (o.op === '!') {
    const inner = opOf(a);
    if (inner?.op === 'in' && Array.isArray(inner.args) && inner.args.length === 2 && typeof inner.args[0] === 'string') {
      const f = varPath(inner.args[1]);
      if (f) return { kind: 'clause', field: f, op: 'not_contains', value: inner.args[0] };
    }
    return null;
  }
  if (!Array.isArray(a)) return null;
  if (o.op === '<=' && a.length === 3 && a[0] === 0 && isCount(a[2])) {
    const d = dayFn(a[1]);
    if (d) return { kind: 'clause', field: d.field, op: d.fn === 'days_until' ? 'within_next' : 'within_last', value: a[2], argArray: d.argArray };
    return null;
  }
  if (a.length !== 2) return null;
  if (o.op === 'in') {
    const f = varPath(a[0]);
    if (f && Array.isArray(a[1]) && a[1].every(isScalar)) return { kind: 'clause', field: f, op: 'one_of', value: a[1] };
    const lf = varPath(a[1]);
    if (lf && typeof a[0] === 'string') return { kind: 'clause', field: lf, op: 'contains', value: a[0] };
    return null;
  }
  if (!(NUMBER_OPS as string[]).includes(o.op)) return null;
  const d = dayFn(a[0]);
  if (d) {
    if (!isCount(a[1])) return null;
    const op = `${d.fn === 'days_until' ? 'until' : 'since'}:${o.op}` as DateOp;
    return { kind: 'clause', field: d.field, op, value: a[1], argArray: d.argArray };
  }
  const f = varPath(a[0]);
  if (!f) return null;
  const v = a[1];
  if (o.op === '==' || o.op === '!=') {
    if (v === null) return { kind: 'clause', field: f, op: o.op === '==' ? 'is_empty' : 'not_empty' };
    if (o.op === '==' && v === true) return { kind: 'clause', field: f, op: 'is_true' };
    if (o.op === '==' && v === false) return { kind: 'clause', field: f, op: 'is_false' };
    if (typeof v === 'string') return { kind: 'clause', field: f, op: o.op === '==' ? 'is' : 'is_not', value: v };
    if (typeof v === 'number') return { kind: 'clause', field: f, op: o.op as NumberOp, value: v };
    return null;
  }
  if (isCount(v)) return { kind: 'clause', field: f, op: o.op as NumberOp, value: v };
  return null;
}

/** Parses one item (inside a group). Anything unknown becomes raw. */
function parseItem(rule: unknown): Item {
  const o = opOf(rule);
  if (o && (o.op === 'and' || o.op === 'or') && Array.isArray(o.args)) {
    return { kind: 'group', op: o.op, children: o.args.map(parseItem) };
  }
  const c = parseClause(rule);
  if (c) return c;
  return { kind: 'raw', rule, note: 'The builder cannot show this part; edit it as JSON Logic.' };
}

/** Rule -> builder model. The root is always a group so the UI has one place to add clauses. */
export function ruleToModel(rule: unknown): Group {
  if (rule === undefined || rule === true) return { kind: 'group', op: 'and', children: [], implicit: true };
  const item = parseItem(rule);
  if (item.kind === 'group') return item;
  return { kind: 'group', op: 'and', children: [item], implicit: true };
}

function dayCall(fn: 'days_until' | 'days_since', field: string, argArray?: boolean): unknown {
  const v = { var: field };
  return { [fn]: argArray === false ? v : [v] };
}

export function clauseToRule(c: Clause): unknown {
  // New date clauses are written the way the sample library writes them: {"days_until": [{"var": f}]}.
  const v = { var: c.field };
  switch (c.op) {
    case '==': case '!=': case '<': case '<=': case '>': case '>=':
      return { [c.op]: [v, c.value] };
    case 'is': return { '==': [v, c.value] };
    case 'is_not': return { '!=': [v, c.value] };
    case 'one_of': return { in: [v, Array.isArray(c.value) ? c.value : []] };
    case 'contains': return { in: [c.value, v] };
    case 'not_contains': return { '!': { in: [c.value, v] } };
    case 'is_true': return { '==': [v, true] };
    case 'is_false': return { '==': [v, false] };
    case 'is_empty': return { '==': [v, null] };
    case 'not_empty': return { '!=': [v, null] };
    case 'within_next': return { '<=': [0, dayCall('days_until', c.field, c.argArray), c.value] };
    case 'within_last': return { '<=': [0, dayCall('days_since', c.field, c.argArray), c.value] };
    case 'truthy': return { '!!': c.argArray === false ? v : [v] };
    case 'falsy': return { '!': c.argArray === false ? v : [v] };
  }
  const [side, cmp] = c.op.split(':') as ['until' | 'since', NumberOp];
  return { [cmp]: [dayCall(side === 'until' ? 'days_until' : 'days_since', c.field, c.argArray), c.value] };
}

export function itemToRule(item: Item): unknown {
  if (item.kind === 'raw') return item.rule;
  if (item.kind === 'clause') return clauseToRule(item);
  return { [item.op]: item.children.map(itemToRule) };
}

/** Builder model -> rule. An implicit root with one child is written unwrapped, and with none as `true`. */
export function modelToRule(root: Group): unknown {
  if (root.implicit && root.children.length === 0) return true;
  if (root.implicit && root.children.length === 1) return itemToRule(root.children[0]);
  return itemToRule(root);
}

/** True when every part of the rule shows in the builder (no raw items). */
export function fullyVisual(item: Item): boolean {
  if (item.kind === 'raw') return false;
  if (item.kind === 'group') return item.children.every(fullyVisual);
  return true;
}

/** The fields a rule can read (per the architecture's condition data), for the field picker. */
export function builderFields(
  fields: FieldDef[],
  opts: {
    journeys?: { id: string; name: string; stages: string[] }[];
    /** Scorecard measures: { id, name } as the scorecards define them (a bare id is labelled by its id). */
    measures?: (string | { id: string; name?: string })[];
    allowEvent?: boolean;
  } = {},
): BuilderField[] {
  const out: BuilderField[] = fields.map((f) => ({ path: f.name, label: f.label, type: f.type, values: f.values, group: 'Account' }));
  out.push({ path: 'tags', label: 'Tags', type: 'list', group: 'Account' });
  out.push({ path: 'health.score', label: 'Health score (0-100)', type: 'number', group: 'Health' });
  out.push({ path: 'health.color', label: 'Health colour', type: 'enum', values: ['green', 'yellow', 'red'], group: 'Health' });
  // Several scorecards may define the same measure id; the picker offers each path once.
  const seen = new Set<string>();
  for (const m of opts.measures ?? []) {
    const id = typeof m === 'string' ? m : m.id;
    if (seen.has(id)) continue;
    seen.add(id);
    const name = typeof m === 'string' || !m.name ? `Measure ${id}` : m.name;
    out.push({ path: `health.measures.${id}.value`, label: `${name}: value`, type: 'number', group: 'Health' });
    out.push({ path: `health.measures.${id}.color`, label: `${name}: colour`, type: 'enum', values: ['green', 'yellow', 'red'], group: 'Health' });
  }
  for (const j of opts.journeys ?? []) {
    out.push({ path: `journey.${j.id}.stage`, label: `${j.name}: stage`, type: 'enum', values: j.stages, group: 'Journeys' });
    out.push({ path: `journey.${j.id}.daysInStage`, label: `${j.name}: days in stage`, type: 'integer', group: 'Journeys' });
  }
  if (opts.allowEvent) {
    out.push({ path: 'event.type', label: 'Event type', type: 'string', group: 'Event' });
  }
  return out;
}

/** A field for a path the dictionary does not list (flags.x, event.data.k, or an unknown name). */
export function fieldFor(path: string, fields: BuilderField[]): BuilderField {
  const f = fields.find((x) => x.path === path);
  if (f) return f;
  if (path.startsWith('flags.')) return { path, label: `Flag ${path.slice(6)}`, type: 'boolean', group: 'Flags' };
  if (path.startsWith('event.data.')) return { path, label: `Event data ${path.slice(11)}`, type: 'string', group: 'Event' };
  return { path, label: path, type: 'string', group: 'Unknown' };
}
