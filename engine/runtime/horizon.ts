/**
 * The horizon: the earliest instant at which a time-relative rule could give another result
 * with the account's data unchanged, so an account whose evaluation changed nothing need not
 * be looked at again before then (instead of every day).
 *
 * Time reaches a rule only through its clock atoms: days_since(x), days_until(x) and
 * journey.<id>.daysInStage. Each counts whole days from an instant - floor((now - date) / day) -
 * so it steps at the date's own time of day, not at UTC midnight (a date-only text is midnight).
 * A comparison of such an atom (possibly +/- constants) with a side that does not depend on time
 * is a predicate of one integer that moves by one per day, and its next change is computable:
 * the comparison's threshold lies between the two values where it flips. A rule whose every
 * clock atom sits in such a comparison can only change when one of its comparisons does (its
 * result is a function of the comparisons' results and of time-free data). Any other use of the
 * clock (an atom in arithmetic not handled here, both sides timed, a timed derived field or
 * health measure, a read of the whole journey object) makes the library fall back to the next
 * midnight, as before: conservative is correct.
 */
import { compileRule, parseDateMs, type CompiledRule, type ConditionData } from './deps.js';
import { DAY_MS, timeMs } from './context.js';
import { DATE_CACHE, dateSlot, SLOT_SIZE, type DateCache } from '../conditions/data.js';

type CmpOp = '==' | '===' | '!=' | '!==' | '<' | '<=' | '>' | '>=';
const CMP_OPS: ReadonlySet<string> = new Set(['==', '===', '!=', '!==', '<', '<=', '>', '>=']);
const SCOPED: ReadonlySet<string> = new Set(['map', 'filter', 'reduce', 'all', 'none', 'some']);

/** A time-free value: a literal, or a rule evaluated on the account's data. */
type Value = { lit: true; v: unknown } | { lit: false; run: CompiledRule };

export interface HorizonAtom {
  kind: 'since' | 'until' | 'stage';
  /** The date (since/until); unused for stage. */
  date: Value;
  /** The journey of a daysInStage atom. */
  journey: string;
  /** The plan's comparisons of this atom. */
  cmps: HorizonCmp[];
  /**
   * The date cache slot of a date read from a plain var path (see conditions/data.ts), or -1: the
   * rules evaluated just before have usually parsed that date into the data's cache already.
   */
  slot: number;
}

export interface HorizonCmp {
  op: CmpOp;
  /** Index into the plan's atoms. */
  atom: number;
  /** Is the timed side the left operand? */
  atomLeft: boolean;
  /** The timed side's value for an atom value a, exactly as the compiled rule computes it. */
  apply: (a: number) => number;
  /** apply(a) = slope * a + offset (slope +1 or -1): where to look for the threshold. */
  slope: number;
  offset: number;
  /** The timed side is the atom itself (apply is the identity): the change is worked out directly. */
  plain: boolean;
  /**
   * For a plain relational comparison with a number literal, its threshold worked out once (it
   * holds for a >= T, or for a < T); NaN otherwise.
   */
  T: number;
  other: Value;
}

export interface HorizonPlan {
  /** Some time-relative rule could not be analysed: wake at the next midnight, as before. */
  fallback: boolean;
  atoms: HorizonAtom[];
  cmps: HorizonCmp[];
}

/** Thrown inside the analysis for a use of the clock it does not handle. */
class Unanalysable extends Error {}

function argsOf(raw: unknown): unknown[] {
  return Array.isArray(raw) ? raw : [raw];
}

function isRule(node: unknown): node is Record<string, unknown> {
  return node !== null && typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length === 1;
}

/** The var path of a `var` node's argument ('' for the whole data). */
function varPath(raw: unknown): string | null {
  const a = Array.isArray(raw) ? raw[0] : raw;
  if (a === undefined || a === null || a === '') return '';
  if (typeof a === 'string' || typeof a === 'number') return String(a);
  return null;
}

/** Does reading this path depend on the clock? (daysInStage, or an object that holds it.) */
function timedPath(path: string): boolean {
  if (path === '') return true; // the whole data, journey included
  const segs = path.split('.');
  if (segs[0] !== 'journey') return false;
  return !(segs.length === 3 && segs[2] === 'stage');
}

/** Does this (validated) rule read the clock anywhere? */
export function readsClock(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(readsClock);
  if (!isRule(node)) return false;
  const op = Object.keys(node)[0];
  const raw = node[op];
  if (op === 'days_since' || op === 'days_until') return true;
  if (op === 'var') {
    const p = varPath(raw);
    if (p === null || timedPath(p)) return true;
    return Array.isArray(raw) && raw.slice(1).some(readsClock);
  }
  return argsOf(raw).some(readsClock);
}

/** A finite number literal? */
function numLit(node: unknown): node is number {
  return typeof node === 'number' && Number.isFinite(node);
}

const IDENTITY = (a: number): number => a;

interface AtomExpr {
  atom: HorizonAtom;
  key: string;
  apply: (a: number) => number;
}

function valueOf(node: unknown): Value {
  if (node === null || typeof node !== 'object') return { lit: true, v: node };
  return { lit: false, run: compileRule(node) };
}

/** A clock atom, possibly with constants added or subtracted; null for anything else. */
function atomExpr(node: unknown): AtomExpr | null {
  if (!isRule(node)) return null;
  const op = Object.keys(node)[0];
  const raw = node[op];
  if (op === 'days_since' || op === 'days_until') {
    const args = argsOf(raw);
    // Extra arguments are evaluated and ignored; a timed one is not handled.
    if (args.some(readsClock)) return null;
    const arg = args[0];
    const path = isRule(arg) && 'var' in arg && typeof arg.var === 'string' && arg.var !== '' ? arg.var : null;
    return { atom: { kind: op === 'days_since' ? 'since' : 'until', date: valueOf(arg), journey: '', slot: path === null ? -1 : dateSlot(path), cmps: [] }, key: JSON.stringify([op, arg ?? null]), apply: IDENTITY };
  }
  if (op === 'var') {
    const p = varPath(raw);
    if (p === null || (Array.isArray(raw) && raw.length > 1)) return null;
    const segs = p.split('.');
    if (segs.length !== 3 || segs[0] !== 'journey' || segs[2] !== 'daysInStage') return null;
    return { atom: { kind: 'stage', date: { lit: true, v: null }, journey: segs[1], slot: -1, cmps: [] }, key: JSON.stringify(['stage', segs[1]]), apply: IDENTITY };
  }
  if (op === '+' && Array.isArray(raw)) {
    const at = raw.findIndex((n) => !numLit(n));
    if (at < 0 || raw.some((n, i) => i !== at && !numLit(n))) return null;
    const inner = atomExpr(raw[at]);
    if (!inner) return null;
    const f = inner.apply;
    const parts = raw as unknown[];
    // As the compiled rule: 0 + each argument, left to right.
    return { atom: inner.atom, key: inner.key, apply: (a) => { let acc = 0; for (let i = 0; i < parts.length; i++) acc = acc + (i === at ? f(a) : (parts[i] as number)); return acc; } };
  }
  if (op === '-') {
    const args = argsOf(raw);
    if (args.length === 1) {
      const inner = atomExpr(args[0]);
      if (!inner) return null;
      const f = inner.apply;
      return { atom: inner.atom, key: inner.key, apply: (a) => -f(a) };
    }
    if (args.length !== 2) return null;
    if (numLit(args[1])) {
      const inner = atomExpr(args[0]);
      if (!inner) return null;
      const f = inner.apply, c = args[1];
      return { atom: inner.atom, key: inner.key, apply: (a) => f(a) - c };
    }
    if (numLit(args[0])) {
      const inner = atomExpr(args[1]);
      if (!inner) return null;
      const f = inner.apply, c = args[0];
      return { atom: inner.atom, key: inner.key, apply: (a) => c - f(a) };
    }
  }
  return null;
}

/** Collects the comparisons of many rules into one plan, each distinct comparison once. */
export class HorizonPlanBuilder {
  readonly plan: HorizonPlan = { fallback: false, atoms: [], cmps: [] };
  private atomKeys = new Map<string, number>();
  private cmpKeys = new Set<string>();

  /** A rule whose result matters on a later evaluation with the same data. */
  watch(rule: unknown): void {
    if (this.plan.fallback || !readsClock(rule)) return;
    const found: { op: CmpOp; left: unknown; right: unknown }[] = [];
    try {
      this.walk(rule, found);
    } catch (e) {
      if (!(e instanceof Unanalysable)) throw e;
      this.plan.fallback = true;
      return;
    }
    for (const c of found) this.add(c.op, c.left, c.right);
  }

  /** Some clock use the analysis does not cover (a timed derived field or measure). */
  giveUp(): void {
    this.plan.fallback = true;
  }

  private walk(node: unknown, out: { op: CmpOp; left: unknown; right: unknown }[]): void {
    if (Array.isArray(node)) {
      for (const n of node) this.walk(n, out);
      return;
    }
    if (!isRule(node) || !readsClock(node)) return;
    const op = Object.keys(node)[0];
    const raw = node[op];
    if (CMP_OPS.has(op)) {
      const args = argsOf(raw);
      if (args.length < 2) throw new Unanalysable();
      // json-logic: <, <= with three arguments test a < b < c; other comparisons read two.
      const between = (op === '<' || op === '<=') && args.length >= 3;
      const used = between ? 3 : 2;
      if (args.slice(used).some(readsClock)) throw new Unanalysable();
      const pairs: [unknown, unknown][] = between ? [[args[0], args[1]], [args[1], args[2]]] : [[args[0], args[1]]];
      for (const [l, r] of pairs) {
        const lt = readsClock(l), rt = readsClock(r);
        if (!lt && !rt) continue;
        if (lt && rt) throw new Unanalysable();
        if (!atomExpr(lt ? l : r)) throw new Unanalysable();
        out.push({ op: op as CmpOp, left: l, right: r });
      }
      return;
    }
    // Per-item rules read items, not the account: a clock inside one is not handled.
    if (SCOPED.has(op)) throw new Unanalysable();
    // A clock atom anywhere else (a bare days_since, daysInStage in arithmetic...) is not handled.
    if (op === 'days_since' || op === 'days_until' || op === 'var') throw new Unanalysable();
    for (const a of argsOf(raw)) this.walk(a, out);
  }

  private add(op: CmpOp, left: unknown, right: unknown): void {
    const key = JSON.stringify([op, left, right]);
    if (this.cmpKeys.has(key)) return;
    this.cmpKeys.add(key);
    const atomLeft = readsClock(left);
    const expr = atomExpr(atomLeft ? left : right)!;
    let atom = this.atomKeys.get(expr.key);
    if (atom === undefined) {
      atom = this.plan.atoms.length;
      this.atomKeys.set(expr.key, atom);
      this.plan.atoms.push(expr.atom);
    }
    const offset = expr.apply(0);
    const slope = expr.apply(1) - offset >= 0 ? 1 : -1;
    const other = valueOf(atomLeft ? right : left);
    const plain = expr.apply === IDENTITY;
    let T = NaN;
    if (plain && other.lit && typeof other.v === 'number') {
      const o = atomLeft ? op : MIRROR[op];
      if (o === '<' || o === '<=' || o === '>' || o === '>=') T = threshold(o, other.v);
    }
    const cmp: HorizonCmp = { op, atom, atomLeft, apply: expr.apply, slope, offset, plain, T, other };
    this.plan.cmps.push(cmp);
    this.plan.atoms[atom].cmps.push(cmp);
  }
}

function compare(op: CmpOp, x: any, y: any): boolean {
  switch (op) {
    case '==': return x == y;
    case '===': return x === y;
    case '!=': return x != y;
    case '!==': return x !== y;
    case '<': return x < y;
    case '<=': return x <= y;
    case '>': return x > y;
    case '>=': return x >= y;
  }
}

function valueNow(v: Value, data: ConditionData, nowMs: number): unknown {
  return v.lit ? v.v : v.run(data, nowMs);
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Thrown-by-a-side marker of atomDate (a date rule that throws). */
const THREW = -Infinity;

/**
 * The earliest instant after nowMs at which one of the plan's comparisons changes its result,
 * with the data as it is; Infinity when none ever does; -1 when one cannot be worked out (a
 * side throws), which the caller reads as "the next midnight".
 * `journeys` are the account's journey positions (for daysInStage).
 */
export function horizonOf(plan: HorizonPlan, data: ConditionData, nowMs: number, journeys: Readonly<Record<string, { enteredAt: string }>>): number {
  let best = Infinity;
  const atoms = plan.atoms;
  for (let i = 0; i < atoms.length; i++) {
    const atom = atoms[i];
    const d = atomDate(atom, data, nowMs, journeys);
    if (d !== d) continue; // no date: the atom is null at every instant
    if (d === THREW) return -1;
    const cmps = atom.cmps;
    for (let j = 0; j < cmps.length; j++) {
      const c = cmps[j];
      let other: unknown;
      if (c.other.lit) other = c.other.v;
      else {
        try {
          other = c.other.run(data, nowMs);
        } catch {
          return -1;
        }
      }
      const t = cmpChange(c, atom.kind, d, other, nowMs);
      if (t < best) best = t;
    }
  }
  return best;
}

/** The instant an atom counts from (ms), NaN for none (null at every instant), THREW when its date rule throws. */
function atomDate(atom: HorizonAtom, data: ConditionData, nowMs: number, journeys: Readonly<Record<string, { enteredAt: string }>>): number {
  if (atom.kind === 'stage') {
    const pos = hasOwn.call(journeys, atom.journey) ? journeys[atom.journey] : undefined;
    return pos === undefined ? NaN : timeMs(pos.enteredAt); // not in the journey: daysInStage reads null
  }
  let value: unknown;
  // The date's own compiled rule reads it (for a plain name, a load V8 compiles per name).
  try {
    value = valueNow(atom.date, data, nowMs);
  } catch {
    return THREW;
  }
  const ms = dateMs(atom, value, data);
  return ms === null ? NaN : ms;
}

/** Epoch ms of a date value (parseDateMs), read from the data's date cache when already parsed there. */
function dateMs(atom: HorizonAtom, value: unknown, data: ConditionData): number | null {
  if (atom.slot >= 0 && typeof value === 'string') {
    const cache = (data as { [DATE_CACHE]?: DateCache | null })[DATE_CACHE];
    const at = SLOT_SIZE * atom.slot;
    if (cache != null && cache.slots.length > at && cache.slots[at] === value) {
      const day = cache.slots[at + 1];
      return day === null ? null : (day as number) * DAY_MS + (cache.slots[at + 2] as number);
    }
  }
  if (typeof value !== 'string') return parseDateMs(value);
  // Date texts repeat across accounts (a date-only text is one of a few hundred days): remembered.
  let ms = parsedDates.get(value);
  if (ms === undefined) {
    const p = parseDateMs(value);
    ms = p === null ? NaN : p;
    if (parsedDates.size >= PARSED_DATES_MAX) parsedDates.clear();
    parsedDates.set(value, ms);
  }
  return ms === ms ? ms : null;
}

const parsedDates = new Map<string, number>();
const PARSED_DATES_MAX = 50_000;

/** The atom's value at nowMs for a date (or stage entry) at d ms. */
function atomAt(kind: HorizonAtom['kind'], d: number, nowMs: number): number {
  if (kind === 'until') return Math.floor((d - nowMs) / DAY_MS);
  const a = Math.floor((nowMs - d) / DAY_MS);
  return kind === 'stage' ? Math.max(0, a) : a;
}

/**
 * The first instant after nowMs at which the comparison's result differs from its result now, or
 * Infinity. Its result is a function of the atom's integer value a; the value moves one step a
 * day (up for since/stage, down for until), and a threshold predicate of s*a + b changes only
 * between two values next to its threshold x = (k - b) / s: so only the values near x (a small
 * window, with room for rounding) need checking, in the order time reaches them.
 */
export function cmpChange(c: HorizonCmp, kind: HorizonAtom['kind'], d: number, other: unknown, nowMs: number): number {
  const aNow = atomAt(kind, d, nowMs);
  if (c.T === c.T) {
    // A literal threshold: the change is where a reaches T (rising) or falls below it.
    if (kind === 'until') return aNow >= c.T ? d - c.T * DAY_MS + 1 : Infinity;
    return aNow < c.T ? d + c.T * DAY_MS : Infinity;
  }
  if (c.plain && typeof other === 'number') {
    const a = plainChange(c.op, c.atomLeft, kind === 'until', aNow, other);
    if (a === null) return Infinity;
    return kind === 'until' ? d - (a + 1) * DAY_MS + 1 : d + a * DAY_MS;
  }
  const now = holds(c, aNow, other);
  const k = Number(other);
  const x = (k - c.offset) / c.slope;
  // NaN (text, objects, null for ==) never compares true or never false; infinite never changes.
  if (!Number.isFinite(x)) return Infinity;
  const lo = Math.floor(x) - 2, hi = Math.ceil(x) + 2;
  if (kind === 'until') {
    // Values below aNow, highest first; value A first holds at d - (A + 1) days + 1 ms.
    for (let a = Math.min(hi, aNow - 1); a >= lo; a--) if (holds(c, a, other) !== now) return d - (a + 1) * DAY_MS + 1;
    return Infinity;
  }
  // since / stage: values above aNow (and at least 1 for stage), lowest first; value A holds from d + A days.
  for (let a = Math.max(lo, aNow + 1); a <= hi; a++) if (holds(c, a, other) !== now) return d + a * DAY_MS;
  return Infinity;
}

/** The T of a relational `a o k` over whole numbers a: it holds for a >= T (>=, >) or for a < T (<, <=). */
function threshold(o: CmpOp, k: number): number {
  return o === '>=' || o === '<' ? Math.ceil(k) : Math.floor(k) + 1;
}

/** Mirror of a comparison operator (k < a is a > k). */
const MIRROR: Record<CmpOp, CmpOp> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '===': '===', '!=': '!=', '!==': '!==' };

/**
 * The atom value at which `a op k` (a the atom's whole-number value, k a number) next changes its
 * result as a moves one step a day from aNow (down when `falling`), or null for never. A
 * relational comparison holds for a >= T or for a < T (T from k); it changes once a crosses T.
 * An equality changes when a reaches k (a whole number) and when it leaves it.
 */
export function plainChange(op: CmpOp, atomLeft: boolean, falling: boolean, aNow: number, k: number): number | null {
  if (k !== k) return null; // NaN: never true (never false for !=)
  const o = atomLeft ? op : MIRROR[op];
  let T: number;
  switch (o) {
    case '>=': case '<': case '>': case '<=': T = threshold(o, k); break;
    default: {
      // ==, ===, !=, !== between two numbers: equal only at a whole-number k.
      if (!Number.isInteger(k)) return null;
      if (aNow === k) return falling ? k - 1 : k + 1;
      if (falling) return aNow > k ? k : null;
      return aNow < k ? k : null;
    }
  }
  if (!Number.isFinite(T)) return null;
  if (falling) return aNow >= T ? T - 1 : null;
  return aNow < T ? T : null;
}

/** The comparison's result when its atom has value a. (A function, not a closure per call: this runs per account.) */
function holds(c: HorizonCmp, a: number, other: unknown): boolean {
  return c.atomLeft ? compare(c.op, c.apply(a), other) : compare(c.op, other, c.apply(a));
}
