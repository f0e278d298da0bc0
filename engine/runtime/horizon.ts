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
import { DAY_MS } from './context.js';

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
    return { atom: { kind: op === 'days_since' ? 'since' : 'until', date: valueOf(args[0]), journey: '' }, key: JSON.stringify([op, args[0] ?? null]), apply: (a) => a };
  }
  if (op === 'var') {
    const p = varPath(raw);
    if (p === null || (Array.isArray(raw) && raw.length > 1)) return null;
    const segs = p.split('.');
    if (segs.length !== 3 || segs[0] !== 'journey' || segs[2] !== 'daysInStage') return null;
    return { atom: { kind: 'stage', date: { lit: true, v: null }, journey: segs[1] }, key: JSON.stringify(['stage', segs[1]]), apply: (a) => a };
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
    this.plan.cmps.push({ op, atom, atomLeft, apply: expr.apply, slope, offset, other: valueOf(atomLeft ? right : left) });
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

/** Scratch per atom: the date's epoch ms (NaN: not read yet this call; null date: Infinity). */
let atomMs = new Float64Array(0);

/**
 * The earliest instant after nowMs at which one of the plan's comparisons changes its result,
 * with the data as it is; Infinity when none ever does; -1 when one cannot be worked out (a
 * side throws), which the caller reads as "the next midnight".
 * `entered` gives a journey's stage entry time (ms) or null when the account is not in it.
 */
export function horizonOf(plan: HorizonPlan, data: ConditionData, nowMs: number, entered: (journey: string) => number | null): number {
  const atoms = plan.atoms;
  if (atomMs.length < atoms.length) atomMs = new Float64Array(atoms.length);
  atomMs.fill(NaN, 0, atoms.length);
  let best = Infinity;
  const cmps = plan.cmps;
  for (let i = 0; i < cmps.length; i++) {
    const c = cmps[i];
    const atom = atoms[c.atom];
    let d = atomMs[c.atom];
    if (d !== d) {
      let ms: number | null;
      if (atom.kind === 'stage') ms = entered(atom.journey);
      else {
        try {
          ms = parseDateMs(valueNow(atom.date, data, nowMs));
        } catch {
          return -1;
        }
      }
      d = atomMs[c.atom] = ms === null ? Infinity : ms;
    }
    if (d === Infinity) continue; // no date: the atom is null at every instant
    let other: unknown;
    try {
      other = valueNow(c.other, data, nowMs);
    } catch {
      return -1;
    }
    const t = cmpChange(c, atom.kind, d, other, nowMs);
    if (t < best) best = t;
  }
  return best;
}

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
  const holds = (a: number) => (c.atomLeft ? compare(c.op, c.apply(a), other) : compare(c.op, other, c.apply(a)));
  const now = holds(aNow);
  const k = Number(other);
  const x = (k - c.offset) / c.slope;
  // NaN (text, objects, null for ==) never compares true or never false; infinite never changes.
  if (!Number.isFinite(x)) return Infinity;
  const lo = Math.floor(x) - 2, hi = Math.ceil(x) + 2;
  if (kind === 'until') {
    // Values below aNow, highest first; value A first holds at d - (A + 1) days + 1 ms.
    for (let a = Math.min(hi, aNow - 1); a >= lo; a--) if (holds(a) !== now) return d - (a + 1) * DAY_MS + 1;
    return Infinity;
  }
  // since / stage: values above aNow (and at least 1 for stage), lowest first; value A holds from d + A days.
  for (let a = Math.max(lo, aNow + 1); a <= hi; a++) if (holds(a) !== now) return d + a * DAY_MS;
  return Infinity;
}
