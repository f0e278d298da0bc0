/**
 * Compile mode 1: JavaScript source generated from the validated IR and built
 * with `new Function` once per rule. No text from the rule ever becomes code:
 * every literal and every var path segment is emitted through JSON.stringify
 * (or passed in as a constant), operator names only select which template to emit.
 */
import type { Node } from './parse.js';
import { BOOLEAN_OPERATORS } from './operators.js';
import * as R from './runtime.js';
import type { CompiledRule } from './compile.js';
import { PLAIN_DATA, DATE_CACHE, dateSlot, SLOT_SIZE, SINCE, UNTIL } from './data.js';
import { maybeInherited } from './platform.js';

type Kind = 'bool' | 'num' | 'str' | 'any';
interface Code {
  c: string;
  k: Kind;
}

class FnBuilder {
  temps = 0;
  temp(): string {
    return `t${this.temps++}`;
  }
  decl(): string {
    const names = ['o'];
    for (let i = 0; i < this.temps; i++) names.push(`t${i}`);
    return `let ${names.join(', ')};`;
  }
}

class Generator {
  consts: unknown[] = [];
  fns: string[] = [];
  /**
   * Emitting the body for data marked PLAIN_DATA (built by buildConditionData: its prototype is
   * Object.prototype, so a top-level name that no built-in prototype has cannot be inherited
   * unless Object.prototype has been polluted, which is checked at no cost, see genVar). Nested
   * objects (health, journey, event, field values) come from elsewhere and are still checked
   * one by one (see own).
   */
  plain = false;
  private inner = new Map<Node, string>();

  constant(v: unknown): string {
    this.consts.push(v);
    return `K[${this.consts.length - 1}]`;
  }

  literal(v: unknown): Code {
    switch (typeof v) {
      case 'string': return { c: JSON.stringify(v), k: 'str' };
      case 'boolean': return { c: v ? 'true' : 'false', k: 'bool' };
      case 'undefined': return { c: '(void 0)', k: 'any' };
      case 'number':
        if (Object.is(v, -0)) return { c: '(-0)', k: 'num' };
        if (Number.isFinite(v)) return { c: v < 0 ? `(${String(v)})` : String(v), k: 'num' };
        return { c: this.constant(v), k: 'num' };
    }
    if (v === null) return { c: 'null', k: 'any' };
    // An object that is not a rule: json-logic-js returns that very object.
    return { c: this.constant(v), k: 'any' };
  }

  /** Truthiness test of already generated code (cheap for booleans). */
  truth(code: Code): string {
    return code.k === 'bool' ? code.c : `T(${code.c})`;
  }

  gen(node: Node, f: FnBuilder): Code {
    switch (node.t) {
      case 'lit': return this.literal(node.v);
      case 'arr': return { c: `[${node.items.map((n) => this.gen(n, f).c).join(', ')}]`, k: 'any' };
      case 'var': return this.genVar(node, f);
      case 'op': return this.genOp(node, f);
    }
  }

  genVar(node: Extract<Node, { t: 'var' }>, f: FnBuilder): Code {
    const pre: string[] = [];
    let nf = 'null';
    if (node.def !== null) {
      const def = node.def;
      if (def.t === 'lit') {
        nf = def.v === undefined ? 'null' : this.literal(def.v).c;
      } else if (def.t === 'arr' && def.items.every((i) => i.t === 'lit')) {
        nf = this.gen(def, f).c; // a fresh array each time, as json-logic-js makes one
      } else {
        const t = f.temp();
        pre.push(`${t} = ${this.gen(def, f).c}`, `${t} = ${t} === void 0 ? null : ${t}`);
        nf = t;
      }
    }
    for (const x of node.extra) if (x.t !== 'lit') pre.push(this.gen(x, f).c);
    if (node.segs === null) return { c: pre.length ? `(${pre.join(', ')}, d)` : 'd', k: 'any' };
    // json-logic-js: stop at null/undefined, then descend; an undefined step gives the default.
    // Own properties only: inherited members (constructor, toString...) read as missing.
    let chain = `(o = d) == null ? ${nf}`;
    node.segs.forEach((seg, i) => {
      const k = JSON.stringify(seg);
      if (i > 0) chain += ` : o == null ? ${nf}`;
      // On data built by buildConditionData a top-level name no built-in prototype has is read
      // directly, unless Object.prototype has been given that name (polluted): V8 folds the
      // `in` to a constant and recompiles the rule if Object.prototype changes.
      const read = this.plain && i === 0 && !maybeInherited(seg) ? `${k} in OP ? (H.call(o, ${k}) ? o[${k}] : void 0) : o[${k}]` : `${this.own(k)} ? o[${k}] : void 0`;
      chain += ` : (o = ${read}) === void 0 ? ${nf}`;
    });
    chain += ' : o';
    pre.push(chain);
    return { c: `(${pre.join(', ')})`, k: 'any' };
  }

  /**
   * Whether non-null `o` has own property `k` (a JSON string literal), exactly as
   * hasOwnProperty answers, without reading any value. A call of hasOwnProperty costs ~20 ns
   * per read; for an object `k in o` is false when `k` is not its own (an own property is
   * always `in`), and when its prototype is Object.prototype, which lacks `k`, it is true only
   * when `k` is its own. V8 compiles that check against the object's hidden class seen at the
   * `in` (the prototype lookup and `k in OP` fold to constants), ~1 ns when the objects read
   * there share a shape. Anything else (other prototypes, primitives) asks hasOwnProperty.
   */
  own(k: string): string {
    return `(typeof o === "object" ? ${k} in o && (GP(o) === OP && !(${k} in OP) || H.call(o, ${k})) : H.call(o, ${k}))`;
  }

  args(node: Extract<Node, { t: 'op' }>, f: FnBuilder, n: number): { a: Code[]; extra: string[] } {
    const a: Code[] = [];
    for (let i = 0; i < n; i++) a.push(node.args[i] ? this.gen(node.args[i], f) : { c: '(void 0)', k: 'any' });
    const extra: string[] = [];
    for (let i = n; i < node.args.length; i++) if (node.args[i].t !== 'lit') extra.push(this.gen(node.args[i], f).c);
    return { a, extra };
  }

  /**
   * `x == literal` for a string, finite number or boolean literal, exactly as JS's loose
   * equality but with the common cases first: x of the literal's own type compares with ===,
   * null/undefined never equal it, and only other values (5 == "5", [1] == true) fall through
   * to ==. V8 compiles a plain == whose operands mix null with booleans or strings to a
   * generic call (measured ~50 ns for `{"==": [{"var": "churned"}, true]}`, ~8 ns this way).
   */
  looseEquals(node: Extract<Node, { t: 'op' }>, a: Code[], f: FnBuilder): string | null {
    const side = [0, 1].find((i) => {
      const n = node.args[i];
      return n !== undefined && n.t === 'lit' && (typeof n.v === 'string' || typeof n.v === 'boolean' || (typeof n.v === 'number' && Number.isFinite(n.v)));
    });
    if (side === undefined) return null;
    const lit = (node.args[side] as { v: string | number | boolean }).v;
    const other = a[1 - side];
    const l = this.literal(lit).c;
    const t = f.temp();
    // == is symmetric in its result, and evaluating a literal has no effect, so the order of the operands does not matter.
    if (typeof lit === 'boolean') return `((${t} = ${other.c}) === ${l} || (${t} !== ${!lit} && ${t} != null && ${t} == ${l}))`;
    // The type test first: a === between a string or number and null has no type V8 can
    // specialize on, and compiles to a call of its generic StrictEqual.
    return `(typeof (${t} = ${other.c}) === "${typeof lit}" ? ${t} === ${l} : ${t} != null && ${t} == ${l})`;
  }

  /**
   * `a < b` (also <=, >, >=) with exactly JS's result, numbers compared inline. V8 records a
   * comparison that has once seen null (a missing value) as untyped and compiles it to a call
   * of its generic comparison; here null against a number literal is answered at compile time
   * (null compares as 0) and numbers take a comparison site of their own. Other values (strings,
   * booleans, arrays) take the plain comparison.
   */
  relational(op: '<' | '<=' | '>' | '>=', node: Extract<Node, { t: 'op' }>, a: Code[], f: FnBuilder): string {
    if (a[0].k === 'num' && a[1].k === 'num') return `(${a[0].c} ${op} ${a[1].c})`;
    const lit = [0, 1].find((i) => {
      const n = node.args[i];
      return n !== undefined && n.t === 'lit' && typeof n.v === 'number' && Number.isFinite(n.v);
    });
    if (lit !== undefined) {
      const v = (node.args[lit] as { v: number }).v;
      const l = this.literal(v).c;
      const t = f.temp();
      const cmp = lit === 1 ? `${t} ${op} ${l}` : `${l} ${op} ${t}`;
      const ifNull = compare(op, lit === 1 ? 0 : v, lit === 1 ? v : 0);
      // Evaluating a literal has no effect, so the other operand may be evaluated first.
      return `((${t} = ${a[1 - lit].c}) === null ? ${ifNull} : typeof ${t} === "number" ? ${cmp} : ${cmp})`;
    }
    const x = f.temp(), y = f.temp();
    return `(${x} = ${a[0].c}, ${y} = ${a[1].c}, typeof ${x} === "number" && typeof ${y} === "number" ? ${x} ${op} ${y} : ${x} ${op} ${y})`;
  }

  /** A `missing` key read like {"var": key} in place (null when missing), no path splitting per evaluation. */
  readKey(key: string, f: FnBuilder): string {
    return this.genVar({ t: 'var', segs: key === '' ? null : key.split('.'), raw: key, def: { t: 'lit', v: null }, extra: [], ptr: '' }, f).c;
  }

  /**
   * The truth of a node used as a condition (if, !, !!). `missing` with literal keys is
   * answered as "is any key missing" without building the list of missing keys (its truth is
   * whether that list is empty); every key is still read, as json-logic-js reads them all.
   */
  cond(node: Node, f: FnBuilder): string {
    const keys = node.t === 'op' && node.op === 'missing' ? missingKeys(node) : null;
    if (keys === null) return this.truth(this.gen(node, f));
    const any = f.temp(), v = f.temp();
    const checks = keys.map((key) => `((${v} = ${this.readKey(key, f)}) === null || (typeof ${v} === "string" && ${v}.length === 0)) && (${any} = true)`);
    return `(${any} = false, ${checks.join(', ')}, ${any})`;
  }

  /** Evaluates ignored extra arguments too: json-logic-js evaluates every argument (one may throw). */
  wrap(extra: string[], c: string): string {
    return extra.length ? `(${extra.join(', ')}, ${c})` : c;
  }

  all(node: Extract<Node, { t: 'op' }>, f: FnBuilder): Code[] {
    return node.args.map((n) => this.gen(n, f));
  }

  genOp(node: Extract<Node, { t: 'op' }>, f: FnBuilder): Code {
    const op = node.op;
    switch (op) {
      case '==': case '===': case '!=': case '!==': case '>': case '>=': case '/': case '%': {
        const { a, extra } = this.args(node, f, 2);
        if (op === '>' || op === '>=') return { c: this.wrap(extra, this.relational(op, node, a, f)), k: 'bool' };
        if (op === '==' || op === '!=') {
          const loose = this.looseEquals(node, a, f);
          if (loose !== null) return { c: this.wrap(extra, op === '==' ? loose : `(!${loose})`), k: 'bool' };
        }
        return { c: this.wrap(extra, `(${a[0].c} ${op} ${a[1].c})`), k: op === '/' || op === '%' ? 'num' : 'bool' };
      }
      case '<': case '<=': {
        if (node.args.length <= 2) {
          const { a } = this.args(node, f, 2);
          return { c: this.relational(op, node, a, f), k: 'bool' };
        }
        const { a, extra } = this.args(node, f, 3);
        return { c: this.wrap(extra, `$${op === '<' ? 'lt3' : 'le3'}(${a[0].c}, ${a[1].c}, ${a[2].c})`), k: 'bool' };
      }
      case '!': case '!!': {
        const t = node.args.length > 0 ? this.cond(node.args[0], f) : this.truth({ c: '(void 0)', k: 'any' });
        const extra = node.args.slice(1).filter((n) => n.t !== 'lit').map((n) => this.gen(n, f).c);
        return { c: this.wrap(extra, op === '!' ? `(!${t})` : t), k: 'bool' };
      }
      case 'and': case 'or': {
        const parts = this.all(node, f);
        if (parts.length === 0) return { c: '(void 0)', k: 'any' };
        if (parts.length === 1) return parts[0];
        const js = op === 'and' ? ' && ' : ' || ';
        if (parts.every((p) => p.k === 'bool')) return { c: `(${parts.map((p) => p.c).join(js)})`, k: 'bool' };
        // Return the operand itself, as json-logic-js does: first falsy (and) / truthy (or), else the last.
        const t = f.temp();
        let c = parts[parts.length - 1].c;
        for (let i = parts.length - 2; i >= 0; i--) {
          const test = parts[i].k === 'bool' ? t : `T(${t})`;
          c = `(${t} = ${parts[i].c}, ${op === 'and' ? '!' : ''}${test} ? ${t} : ${c})`;
        }
        return { c, k: 'any' };
      }
      case 'if': case '?:': {
        // Conditions at even places but the last; generated in argument order.
        const parts = node.args.map((n, j): Code => (j % 2 === 0 && j < node.args.length - 1 ? { c: this.cond(n, f), k: 'bool' } : this.gen(n, f)));
        let i = 0;
        const conds: string[] = [];
        for (; i < parts.length - 1; i += 2) conds.push(`${parts[i].c} ? ${parts[i + 1].c} : `);
        const last = parts.length === i + 1 ? parts[i] : { c: 'null', k: 'any' as Kind };
        const kinds = new Set([...parts.filter((_, j) => j % 2 === 1 || j === parts.length - 1).map((p) => p.k)]);
        return { c: `(${conds.join('')}${last.c})`, k: parts.length % 2 === 1 && kinds.size === 1 ? last.k : 'any' };
      }
      case 'in': {
        const { a, extra } = this.args(node, f, 2);
        const list = node.args[1];
        if (list && list.t === 'arr' && list.items.every((i) => i.t === 'lit' && isPrimitive(i.v))) {
          const values = list.items.map((i) => (i as { v: unknown }).v);
          if (values.length === 0) return { c: this.wrap(extra, `(${a[0].c}, false)`), k: 'bool' };
          if (values.length <= 8 || values.some((v) => Number.isNaN(v))) {
            const t = f.temp();
            return { c: this.wrap(extra, `(${t} = ${a[0].c}, ${values.map((v) => `${t} === ${this.literal(v).c}`).join(' || ')})`), k: 'bool' };
          }
          return { c: this.wrap(extra, `${this.constant(new Set(values))}.has(${a[0].c})`), k: 'bool' };
        }
        return { c: this.wrap(extra, `$inOp(${a[0].c}, ${a[1].c})`), k: 'bool' };
      }
      case 'cat': {
        const parts = this.all(node, f);
        if (parts.length > 0 && parts.every((p) => p.k === 'str' || p.k === 'num')) return { c: `("" + ${parts.map((p) => p.c).join(' + ')})`, k: 'str' };
        return { c: `$cat([${parts.map((p) => p.c).join(', ')}])`, k: 'str' };
      }
      case 'substr': {
        const { a, extra } = this.args(node, f, 3);
        return { c: this.wrap(extra, `$substr(${a[0].c}, ${a[1].c}, ${a[2].c})`), k: 'str' };
      }
      case '+': {
        const parts = this.all(node, f);
        // acc = parseFloat(acc) + parseFloat(x) from 0; parseFloat of the running number is the
        // identity (the sum can never be -0), and so is parseFloat of a number summed onto it.
        return { c: `(0${parts.map((p) => ` + ${p.k === 'num' ? p.c : `pf(${p.c})`}`).join('')})`, k: 'num' };
      }
      case '*': {
        const parts = this.all(node, f);
        if (parts.length === 0) return { c: '$times([])', k: 'any' };
        if (parts.length === 1) return parts[0];
        const pfx = (p: Code, i: number) => (node.args[i].t === 'lit' && typeof (node.args[i] as { v: unknown }).v === 'number' && !Object.is((node.args[i] as { v: unknown }).v, -0) ? p.c : `pf(${p.c})`);
        let c = `(${pfx(parts[0], 0)} * ${pfx(parts[1], 1)})`;
        for (let i = 2; i < parts.length; i++) c = `(pf(${c}) * ${pfx(parts[i], i)})`;
        return { c, k: 'num' };
      }
      case '-': {
        if (node.args.length === 1) return { c: `(-${this.gen(node.args[0], f).c})`, k: 'num' };
        const { a, extra } = this.args(node, f, 2);
        const definite = node.args[1] && (node.args[1].t === 'lit' ? node.args[1].v !== undefined : a[1].k !== 'any');
        return { c: this.wrap(extra, definite ? `(${a[0].c} - ${a[1].c})` : `$minus(${a[0].c}, ${a[1].c})`), k: 'num' };
      }
      case 'min': case 'max': {
        const parts = this.all(node, f);
        return { c: `${op === 'min' ? 'mmin' : 'mmax'}(${parts.map((p) => p.c).join(', ')})`, k: 'num' };
      }
      case 'merge':
        return { c: `$merge([${this.all(node, f).map((p) => p.c).join(', ')}])`, k: 'any' };
      case 'missing': {
        // Literal keys (the usual form): each key read like {"var": key} in place, no path
        // splitting per evaluation. A key that is not a string takes the general helper.
        const keys = missingKeys(node);
        if (keys !== null) {
          const out = f.temp(), v = f.temp();
          const checks = keys.map((key) => `((${v} = ${this.readKey(key, f)}) === null || (typeof ${v} === "string" && ${v}.length === 0) ? ${out}.push(${JSON.stringify(key)}) : 0)`);
          return { c: `(${out} = [], ${checks.join(', ')}, ${out})`, k: 'any' };
        }
        return { c: `$missing(d, [${this.all(node, f).map((p) => p.c).join(', ')}])`, k: 'any' };
      }
      case 'missing_some': {
        const { a, extra } = this.args(node, f, 2);
        return { c: this.wrap(extra, `$missingSome(d, ${a[0].c}, ${a[1].c})`), k: 'any' };
      }
      case 'days_since': case 'days_until': {
        const { a, extra } = this.args(node, f, 1);
        const arg = node.args[0];
        // A date read from a var path: every rule reading that path shares one parse per data object.
        const slot = arg && arg.t === 'var' && arg.segs !== null && arg.def === null && arg.extra.length === 0 ? dateSlot(arg.segs.join('.')) : -1;
        if (slot >= 0) {
          const call = (v: string) => `$${op === 'days_since' ? 'daysSinceAt' : 'daysUntilAt'}(d, ${slot}, ${v}, now)`;
          if (!this.plain) return { c: this.wrap(extra, call(a[0].c)), k: 'any' };
          // Data built by buildConditionData always has its date cache: a slot already filled for
          // this text and this now is read in place, anything else goes through the helper.
          const v = f.temp(), s = f.temp(), at = SLOT_SIZE * slot;
          const read = `typeof ${v} === "string" && (${s} = d[DC]) !== null && ${s}.now === now && (${s} = ${s}.slots)[${at}] === ${v} ? ${s}[${at + (op === 'days_since' ? SINCE : UNTIL)}] : ${call(v)}`;
          return { c: this.wrap(extra, `(${v} = ${a[0].c}, ${read})`), k: 'any' };
        }
        return { c: this.wrap(extra, `$${op === 'days_since' ? 'daysSinceOp' : 'daysUntilOp'}(d, ${a[0].c}, now)`), k: 'any' };
      }
      case 'map': case 'filter': case 'all': case 'none': case 'some': case 'reduce': {
        const list = node.args[0] ? this.gen(node.args[0], f).c : '(void 0)';
        const inner = this.innerFn(node.args[1] ?? { t: 'lit', v: undefined });
        if (op === 'reduce') {
          const init = node.args.length > 2 ? this.gen(node.args[2], f).c : 'null';
          return { c: `$reduceOp(${list}, ${inner}, ${init}, now)`, k: 'any' };
        }
        return { c: `$${op}Op(${list}, ${inner}, now)`, k: BOOLEAN_OPERATORS.has(op) ? 'bool' : 'any' };
      }
    }
    throw new Error(`no code template for operator ${JSON.stringify(op)}`);
  }

  /** The per-item rule of map/filter/reduce/all/none/some, as a function of (item, now). */
  innerFn(node: Node): string {
    const known = this.inner.get(node);
    if (known !== undefined) return known;
    // Items are checked property by property, whatever data they came from.
    const wasPlain = this.plain;
    this.plain = false;
    const f = new FnBuilder();
    const body = this.gen(node, f).c;
    this.plain = wasPlain;
    const name = `f${this.fns.length}`;
    this.fns.push(`function ${name}(d, now) { ${f.decl()} return ${body}; }`);
    this.inner.set(node, name);
    return name;
  }
}

const HELPERS = ['daysSinceAt', 'daysUntilAt', 'lt3', 'le3', 'inOp', 'cat', 'substr', 'times', 'minus', 'merge', 'missing', 'missingSome', 'daysSinceOp', 'daysUntilOp', 'mapOp', 'filterOp', 'reduceOp', 'allOp', 'noneOp', 'someOp'] as const;

/** The keys of a `missing` whose keys are all literal strings (the usual form), else null. */
function missingKeys(node: Extract<Node, { t: 'op' }>): string[] | null {
  const list = node.args.length === 1 && node.args[0].t === 'arr' ? node.args[0].items : node.args;
  if (list.length === 0 || !list.every((n) => n.t === 'lit' && typeof n.v === 'string')) return null;
  return list.map((n) => (n as { v: string }).v);
}

/** A comparison of two numbers, done while generating code. */
function compare(op: '<' | '<=' | '>' | '>=', x: number, y: number): boolean {
  switch (op) {
    case '<': return x < y;
    case '<=': return x <= y;
    case '>': return x > y;
    case '>=': return x >= y;
  }
}

function isPrimitive(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Generates the source of a rule (exported for tests and debugging). */
export function generateSource(node: Node): { source: string; consts: unknown[] } {
  const g = new Generator();
  const f = new FnBuilder();
  const checked = g.gen(node, f).c;
  g.plain = true;
  const direct = g.gen(node, f).c;
  g.plain = false;
  // Two bodies only when they differ (the rule reads ordinary names from the data). The marker
  // is a property of the data's hidden class: one monomorphic load (Object.getPrototypeOf(d)
  // === Object.prototype measured ~15 ns/eval slower over the sample rules).
  // The checked body is a function of its own: V8 then compiles the rule's code for built data
  // only (about half the size), and the checked one only where it runs.
  const split = direct !== checked;
  const body = split ? `d != null && d[PD] === true ? ${direct} : checkedRule(d, now)` : checked;
  const source = [
    '"use strict";',
    'const H = Object.prototype.hasOwnProperty, OP = Object.prototype, GP = Object.getPrototypeOf, PD = P, DC = C, PF = parseFloat, T = R.truthy, mmin = Math.min, mmax = Math.max;',
    // parseFloat of a number is the number itself (-0 becomes 0): skip the round trip through text.
    'function pf(x) { return typeof x === "number" ? x + 0 : PF(x); }',
    // Runtime helpers as local constants: a load from the module namespace on every call costs.
    `const ${HELPERS.map((h) => `$${h} = R.${h}`).join(', ')};`,
    ...g.fns,
    ...(split ? [`function checkedRule(d, now) { ${f.decl()} return ${checked}; }`] : []),
    `return function rule(d, now) { ${f.decl()} return ${body}; };`,
  ].join('\n');
  return { source, consts: g.consts };
}

export function compileWithCodegen(node: Node): CompiledRule {
  const { source, consts } = generateSource(node);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function('R', 'K', 'P', 'C', source) as (r: typeof R, k: unknown[], p: symbol, c: symbol) => CompiledRule;
  return factory(R, consts, PLAIN_DATA, DATE_CACHE);
}

export { codegenAvailable } from './platform.js';
