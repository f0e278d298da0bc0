/**
 * Turns a JSON Logic rule into a small tree (the IR) that both compile modes
 * and the analyzer share, rejecting what may never run: operators outside the
 * allowlist, nesting deeper than MAX_DEPTH (checked before recursing, so a
 * 10k-deep rule cannot overflow the stack), non-literal or unsafe `var` paths
 * and non-JSON values.
 */
import { FORBIDDEN_SEGMENTS, MAX_DEPTH, MAX_NODES, isAllowedOperator } from './operators.js';
import { pointer, type RuleProblem } from './errors.js';

export type Node =
  /** A value returned as is: a primitive, or an object that is not a rule (0 or 2+ keys). */
  | { t: 'lit'; v: unknown; ptr?: string }
  /** An array: every item is evaluated (json-logic-js maps over arrays). */
  | { t: 'arr'; items: Node[]; ptr: string }
  /** `var`: segments null reads the whole data; def is the default; extra are ignored extra arguments. */
  | { t: 'var'; segs: string[] | null; raw: string; def: Node | null; extra: Node[]; ptr: string }
  | { t: 'op'; op: string; args: Node[]; ptr: string; keys?: KeyRef[] };

/** A literal key given to `missing` / `missing_some`, checked like a var path. */
export interface KeyRef {
  path: string;
  ptr: string;
}

export interface ParseResult {
  node: Node;
  problems: RuleProblem[];
}

class Parser {
  problems: RuleProblem[] = [];
  nodes = 0;
  tooDeep = false;
  tooBig = false;

  fail(path: string, message: string): Node {
    this.problems.push({ path, message });
    return { t: 'lit', v: null };
  }

  parse(value: unknown, ptr: string, depth: number): Node {
    if (++this.nodes > MAX_NODES) {
      if (!this.tooBig) {
        this.tooBig = true;
        this.fail(ptr, `rule too large (more than ${MAX_NODES} parts)`);
      }
      return { t: 'lit', v: null };
    }
    switch (typeof value) {
      case 'string': case 'number': case 'boolean': case 'undefined':
        return { t: 'lit', v: value };
      case 'function': case 'symbol': case 'bigint':
        return this.fail(ptr, `a ${typeof value} is not a JSON value`);
    }
    if (value === null) return { t: 'lit', v: null };
    if (depth >= MAX_DEPTH) {
      if (!this.tooDeep) {
        this.tooDeep = true;
        this.fail(ptr, `rule nested too deep (more than ${MAX_DEPTH} levels)`);
      }
      return { t: 'lit', v: null };
    }
    if (Array.isArray(value)) {
      const items: Node[] = [];
      for (let i = 0; i < value.length; i++) items.push(this.parse(value[i], pointer(ptr, i), depth + 1));
      return { t: 'arr', items, ptr };
    }
    const keys = Object.keys(value as object);
    // json-logic-js passes objects that do not have exactly one key through untouched.
    if (keys.length !== 1) return { t: 'lit', v: value, ptr };
    const op = keys[0];
    if (!isAllowedOperator(op)) return this.fail(ptr, `operator ${JSON.stringify(op)} is not allowed`);
    const raw = (value as Record<string, unknown>)[op];
    const opPtr = pointer(ptr, op);
    const list = Array.isArray(raw) ? raw : [raw];
    const argPtr = (i: number) => (Array.isArray(raw) ? pointer(opPtr, i) : opPtr);
    if (op === 'var') return this.parseVar(list, opPtr, argPtr, depth);
    const args: Node[] = [];
    for (let i = 0; i < list.length; i++) args.push(this.parse(list[i], argPtr(i), depth + 1));
    const node: Node = { t: 'op', op, args, ptr: opPtr };
    if (op === 'missing' || op === 'missing_some') node.keys = this.literalKeys(op, args, opPtr);
    return node;
  }

  parseVar(list: unknown[], ptr: string, argPtr: (i: number) => string, depth: number): Node {
    const a = list[0];
    let segs: string[] | null = null;
    let raw = '';
    if (a === undefined || a === null || a === '') {
      segs = null;
    } else if (typeof a === 'string' || (typeof a === 'number' && Number.isFinite(a))) {
      raw = String(a);
      segs = raw.split('.');
      const bad = segs.find((s) => FORBIDDEN_SEGMENTS.has(s));
      if (bad !== undefined) return this.fail(argPtr(0), `var path ${JSON.stringify(raw)} is not allowed: "${bad}" is never readable`);
    } else if (a !== null && typeof a === 'object') {
      return this.fail(argPtr(0), 'var path must be a literal text path such as "renewalDate", not a rule or a list');
    } else {
      return this.fail(argPtr(0), `var path must be text, not ${typeof a}`);
    }
    const def = list.length > 1 ? this.parse(list[1], argPtr(1), depth + 1) : null;
    const extra: Node[] = [];
    for (let i = 2; i < list.length; i++) extra.push(this.parse(list[i], argPtr(i), depth + 1));
    return { t: 'var', segs, raw, def, extra, ptr };
  }

  /** The literal keys of `missing` (all args, or one list) and `missing_some` (its second arg). */
  literalKeys(op: string, args: Node[], ptr: string): KeyRef[] {
    let items: Node[];
    if (op === 'missing') items = args[0]?.t === 'arr' ? args[0].items : args;
    else items = args[1]?.t === 'arr' ? args[1].items : args[1] ? [args[1]] : [];
    const out: KeyRef[] = [];
    for (const item of items) {
      if (item.t !== 'lit' || (typeof item.v !== 'string' && typeof item.v !== 'number')) continue;
      const path = String(item.v);
      const bad = path.split('.').find((s) => FORBIDDEN_SEGMENTS.has(s));
      if (bad !== undefined) this.fail(ptr, `${op} key ${JSON.stringify(path)} is not allowed: "${bad}" is never readable`);
      else if (path !== '') out.push({ path, ptr });
    }
    return out;
  }
}

export function parseRule(rule: unknown): ParseResult {
  const p = new Parser();
  const node = p.parse(rule, '', 0);
  return { node, problems: p.problems };
}
