/**
 * Compile mode 2: a tree of closures, for where `new Function` is unavailable
 * (a browser page under a Content-Security-Policy without 'unsafe-eval').
 * Same IR, same runtime helpers as the generated code.
 */
import type { Node } from './parse.js';
import * as R from './runtime.js';
import type { CompiledRule } from './compile.js';

type Ev = (d: unknown, now: number) => unknown;

const hasOwn = Object.prototype.hasOwnProperty;

function evalAll(fns: Ev[], d: unknown, now: number): unknown[] {
  const out = new Array(fns.length);
  for (let i = 0; i < fns.length; i++) out[i] = fns[i](d, now);
  return out;
}

const undef: Ev = () => undefined;

export function buildClosure(node: Node): Ev {
  switch (node.t) {
    case 'lit': {
      const v = node.v;
      return () => v;
    }
    case 'arr': {
      const items = node.items.map(buildClosure);
      return (d, now) => evalAll(items, d, now);
    }
    case 'var': return buildVar(node);
    case 'op': return buildOp(node);
  }
}

function buildVar(node: Extract<Node, { t: 'var' }>): Ev {
  const def = node.def ? buildClosure(node.def) : null;
  const extra = node.extra.map(buildClosure);
  const segs = node.segs;
  if (segs === null) {
    return (d, now) => {
      if (def) def(d, now);
      for (const x of extra) x(d, now);
      return d;
    };
  }
  if (segs.length === 1 && def === null && extra.length === 0) {
    const key = segs[0];
    return (d: any) => {
      if (d === null || d === undefined) return null;
      const v = hasOwn.call(d, key) ? d[key] : undefined;
      return v === undefined ? null : v;
    };
  }
  return (d, now) => {
    let nf: unknown = null;
    if (def) {
      const v = def(d, now);
      nf = v === undefined ? null : v;
    }
    for (const x of extra) x(d, now);
    return R.lookup(d, segs, nf);
  };
}

function buildOp(node: Extract<Node, { t: 'op' }>): Ev {
  const fns = node.args.map(buildClosure);
  const a = fns[0] ?? undef;
  const b = fns[1] ?? undef;
  const c = fns[2] ?? undef;
  const n = fns.length;
  const ev = (d: unknown, now: number) => evalAll(fns, d, now);
  switch (node.op) {
    case '==': return (d, now) => { const v = ev(d, now); return v[0] == v[1]; };
    case '===': return (d, now) => { const v = ev(d, now); return v[0] === v[1]; };
    case '!=': return (d, now) => { const v = ev(d, now); return v[0] != v[1]; };
    case '!==': return (d, now) => { const v = ev(d, now); return v[0] !== v[1]; };
    case '>': return (d, now) => { const v: any[] = ev(d, now); return v[0] > v[1]; };
    case '>=': return (d, now) => { const v: any[] = ev(d, now); return v[0] >= v[1]; };
    case '<': return (d, now) => { const v = ev(d, now); return R.lt3(v[0], v[1], v[2]); };
    case '<=': return (d, now) => { const v = ev(d, now); return R.le3(v[0], v[1], v[2]); };
    case '!': return (d, now) => !R.truthy(ev(d, now)[0]);
    case '!!': return (d, now) => R.truthy(ev(d, now)[0]);
    case '%': return (d, now) => { const v: any[] = ev(d, now); return v[0] % v[1]; };
    case '/': return (d, now) => { const v: any[] = ev(d, now); return v[0] / v[1]; };
    case 'in': return (d, now) => { const v = ev(d, now); return R.inOp(v[0], v[1]); };
    case 'cat': return (d, now) => R.cat(ev(d, now));
    case 'substr': return (d, now) => { const v = ev(d, now); return R.substr(v[0], v[1], v[2]); };
    case '+': return (d, now) => R.plus(ev(d, now));
    case '*': return (d, now) => R.times(ev(d, now));
    case '-': return (d, now) => { const v = ev(d, now); return R.minus(v[0], v[1]); };
    case 'min': return (d, now) => R.min(ev(d, now));
    case 'max': return (d, now) => R.max(ev(d, now));
    case 'merge': return (d, now) => R.merge(ev(d, now));
    case 'missing': return (d, now) => R.missing(d, ev(d, now));
    case 'missing_some': return (d, now) => { const v = ev(d, now); return R.missingSome(d, v[0], v[1]); };
    case 'days_since': return (d, now) => R.daysSinceOp(d, ev(d, now)[0], now);
    case 'days_until': return (d, now) => R.daysUntilOp(d, ev(d, now)[0], now);
    case 'and': return (d, now) => {
      let current: unknown;
      for (let i = 0; i < n; i++) {
        current = fns[i](d, now);
        if (!R.truthy(current)) return current;
      }
      return current;
    };
    case 'or': return (d, now) => {
      let current: unknown;
      for (let i = 0; i < n; i++) {
        current = fns[i](d, now);
        if (R.truthy(current)) return current;
      }
      return current;
    };
    case 'if': case '?:': return (d, now) => {
      let i = 0;
      for (; i < n - 1; i += 2) if (R.truthy(fns[i](d, now))) return fns[i + 1](d, now);
      return n === i + 1 ? fns[i](d, now) : null;
    };
    case 'map': return (d, now) => R.mapOp(a(d, now), b, now);
    case 'filter': return (d, now) => R.filterOp(a(d, now), b, now);
    case 'all': return (d, now) => R.allOp(a(d, now), b, now);
    case 'none': return (d, now) => R.noneOp(a(d, now), b, now);
    case 'some': return (d, now) => R.someOp(a(d, now), b, now);
    case 'reduce': return (d, now) => {
      const list = a(d, now);
      return R.reduceOp(list, b, n > 2 ? c(d, now) : null, now);
    };
  }
  throw new Error(`no closure for operator ${JSON.stringify(node.op)}`);
}

export function compileWithClosures(node: Node): CompiledRule {
  const fn = buildClosure(node);
  return (data, nowMs) => fn(data, nowMs);
}
