/**
 * describeRule: a JSON Logic rule in plain language for the editor, the queue
 * and "why" records, e.g. "Renewal date within 90 days and Tier is one of
 * tier-1, tier-2". Common shapes get sentences; anything else a readable
 * formula such as "max(MRR, 100) at least 500".
 */
import type { FieldDef } from '../schema/definitions.js';
import { MAX_DEPTH } from './operators.js';

type Rule = unknown;

const COMPARE: Record<string, string> = {
  '==': 'is', '===': 'is', '!=': 'is not', '!==': 'is not',
  '>': 'more than', '>=': 'at least', '<': 'less than', '<=': 'at most',
};
/** The same comparison read from the other side: 90 > x  <=>  x < 90. */
const FLIP: Record<string, string> = { '==': '==', '===': '===', '!=': '!=', '!==': '!==', '>': '<', '>=': '<=', '<': '>', '<=': '>=' };
const INFIX: Record<string, string> = { '+': '+', '-': '-', '*': '×', '/': '÷', '%': 'mod' };

function opOf(rule: Rule): { op: string; args: unknown[] } | null {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) return null;
  const keys = Object.keys(rule);
  if (keys.length !== 1) return null;
  const raw = (rule as Record<string, unknown>)[keys[0]];
  return { op: keys[0], args: Array.isArray(raw) ? raw : [raw] };
}

function isLiteral(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || (Array.isArray(v) && v.every(isLiteral));
}

function sentenceCase(s: string): string {
  return s.length ? s[0].toUpperCase() + s.slice(1) : s;
}

/** "Licences purchased" reads "licences purchased" mid-sentence; "MRR" and "NPS" stay. */
function midSentence(s: string): string {
  return s.length > 1 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' && s[1] <= 'z' ? s[0].toLowerCase() + s.slice(1) : s;
}

class Describer {
  constructor(private fields: FieldDef[]) {}

  label(path: string): string {
    const field = this.fields.find((f) => f.name === path);
    if (field) return field.label;
    const segs = path.split('.');
    const root = this.fields.find((f) => f.name === segs[0]);
    if (root && segs.length === 2) return segs[1] === 'length' ? `number of ${root.label}` : `${root.label} item ${segs[1]}`;
    if (path === 'tags') return 'Tags';
    if (segs[0] === 'flags' && segs.length === 2) return `Flag ${segs[1]}`;
    if (path === 'health.score') return 'Health score';
    if (path === 'health.color') return 'Health';
    if (segs[0] === 'health' && segs[1] === 'measures' && segs.length === 4) return `Health measure ${segs[2]}${segs[3] === 'color' ? ' color' : ''}`;
    if (segs[0] === 'journey' && segs.length === 3) return segs[2] === 'stage' ? `${segs[1]} stage` : `Days in ${segs[1]} stage`;
    if (path === 'event.type') return 'Event type';
    if (path === 'event.id') return 'Event id';
    if (segs[0] === 'event' && segs[1] === 'data') return `Event ${segs.slice(2).join('.')}`;
    if (path === '') return 'the item';
    return path;
  }

  isBoolean(path: string): boolean {
    return this.fields.some((f) => f.name === path && f.type === 'boolean');
  }

  varPath(rule: Rule): string | null {
    const o = opOf(rule);
    if (!o || o.op !== 'var') return null;
    const a = o.args[0];
    if (a === undefined || a === null) return '';
    return typeof a === 'string' || typeof a === 'number' ? String(a) : null;
  }

  value(v: unknown): string {
    if (v === null) return 'empty';
    if (Array.isArray(v)) return v.map((x) => this.value(x)).join(', ');
    if (typeof v === 'string') return v === '' ? 'empty' : v;
    return String(v);
  }

  /** A value-producing expression, as a noun phrase. */
  expr(rule: Rule, depth: number): string {
    if (depth > MAX_DEPTH) return '…';
    const path = this.varPath(rule);
    if (path !== null) return this.label(path);
    const o = opOf(rule);
    if (!o) return isLiteral(rule) ? this.value(rule) : JSON.stringify(rule) ?? '';
    const { op, args } = o;
    const sub = (r: Rule) => midSentence(this.expr(r, depth + 1));
    if ((op === 'days_until' || op === 'days_since') && args.length >= 1) return `days ${op === 'days_until' ? 'until' : 'since'} ${sub(args[0])}`;
    if (INFIX[op] && args.length >= 2) return `(${args.map(sub).join(` ${INFIX[op]} `)})`;
    if (op === '-' && args.length === 1) return `-${sub(args[0])}`;
    if (op === 'cat') return args.map(sub).join('');
    if (COMPARE[op] || op === 'and' || op === 'or' || op === '!' || op === '!!' || op === 'in' || op === 'if' || op === '?:') return this.cond(rule, depth + 1, true);
    return `${op}(${args.map(sub).join(', ')})`;
  }

  /** A condition, as a sentence fragment. */
  cond(rule: Rule, depth: number, nested = false): string {
    if (depth > MAX_DEPTH) return '…';
    const o = opOf(rule);
    if (!o) {
      if (rule === true) return 'always';
      if (rule === false || rule === null) return 'never';
      return this.expr(rule, depth);
    }
    const { op, args } = o;
    const sub = (r: Rule) => this.cond(r, depth + 1, true);
    switch (op) {
      case 'and': case 'or': {
        if (args.length === 0) return op === 'and' ? 'always' : 'never';
        if (args.length === 1) return this.cond(args[0], depth + 1, nested);
        const text = args.map(sub).join(` ${op} `);
        return nested ? `(${text})` : text;
      }
      case '!': return this.negate(args[0], depth + 1);
      case '!!': {
        const path = this.varPath(args[0]);
        if (path !== null && path !== '' && !this.isBoolean(path)) return `${this.label(path)} is set`;
        return this.cond(args[0], depth + 1, nested);
      }
      case 'var': {
        const path = this.varPath(rule);
        if (path && path.startsWith('flags.')) return `${this.label(path)} is set`;
        if (path && this.isBoolean(path)) return `${this.label(path)} is true`;
        return path !== null ? this.label(path) : this.expr(rule, depth);
      }
      case 'in': return this.inText(args[0], args[1], depth, false);
      case 'missing': {
        const keys = Array.isArray(args[0]) ? args[0] : args;
        if (keys.every((k) => typeof k === 'string')) {
          const labels = (keys as string[]).map((k) => this.label(k));
          return labels.length === 1 ? `${labels[0]} is missing` : `any of ${labels.join(', ')} is missing`;
        }
        break;
      }
      case 'if': case '?:': {
        const branch = (r: Rule) => (isLiteral(r) ? this.value(r) : midSentence(this.expr(r, depth + 1)));
        if (args.length === 3) return `if ${midSentence(sub(args[0]))} then ${branch(args[1])}, else ${branch(args[2])}`;
        break;
      }
      case 'some': case 'all': case 'none': {
        if (args.length >= 2) return `${op === 'some' ? 'some' : op === 'all' ? 'all' : 'none'} of ${this.expr(args[0], depth + 1)} where ${this.cond(args[1], depth + 1, true)}`;
        break;
      }
    }
    if (COMPARE[op]) {
      const text = this.compare(op, args, depth);
      if (text) return text;
    }
    return this.expr(rule, depth);
  }

  negate(rule: Rule, depth: number): string {
    const o = opOf(rule);
    if (o?.op === 'in') return this.inText(o.args[0], o.args[1], depth, true);
    if (o?.op === 'var') {
      const path = this.varPath(rule);
      if (path && path.startsWith('flags.')) return `${this.label(path)} is not set`;
      if (path && this.isBoolean(path)) return `${this.label(path)} is false`;
      if (path !== null) return `${this.label(path)} is not set`;
    }
    if (o && (o.op === '==' || o.op === '===' || o.op === '!=' || o.op === '!==')) {
      const flipped = { '==': '!=', '===': '!==', '!=': '==', '!==': '===' }[o.op]!;
      return this.cond({ [flipped]: o.args }, depth + 1);
    }
    return `not ${this.cond(rule, depth + 1, true)}`;
  }

  inText(needle: Rule, hay: Rule, depth: number, negated: boolean): string {
    if (Array.isArray(hay) && hay.every(isLiteral)) {
      return `${sentenceCase(this.expr(needle, depth + 1))} is ${negated ? 'not ' : ''}one of ${this.value(hay)}`;
    }
    const hayPath = this.varPath(hay);
    if (hayPath !== null && isLiteral(needle)) {
      const field = this.fields.find((f) => f.name === hayPath);
      const isList = hayPath === 'tags' || field?.type === 'list';
      const verb = isList ? (negated ? "don't include" : 'include') : negated ? "doesn't contain" : 'contains';
      return `${this.label(hayPath)} ${verb} ${this.value(needle)}`;
    }
    return `${negated ? 'not ' : ''}${this.expr(needle, depth + 1)} in ${this.expr(hay, depth + 1)}`;
  }

  /** "Renewal date within 90 days", "NPS at most 6", "MRR between 100 and 500". */
  compare(op: string, args: unknown[], depth: number): string | null {
    if ((op === '<' || op === '<=') && args.length === 3 && typeof args[0] === 'number' && typeof args[2] === 'number') {
      const days = this.daysOf(args[1]);
      if (days?.kind === 'days_until' && args[0] === 0) return `${days.subject} within ${op === '<=' ? args[2] : args[2] - 1} days`;
      if (days?.kind === 'days_since' && args[0] === 0) return `${days.subject} within the last ${op === '<=' ? args[2] : args[2] - 1} days`;
      return `${sentenceCase(this.expr(args[1], depth + 1))} between ${args[0]} and ${args[2]}${op === '<' ? ' (exclusive)' : ''}`;
    }
    if (args.length !== 2) return null;
    let [left, right] = args;
    if (isLiteral(left) && !isLiteral(right)) {
      [left, right] = [right, left];
      op = FLIP[op];
    }
    const days = this.daysOf(left);
    if (!isLiteral(right)) {
      const rhs = midSentence(this.expr(right, depth + 1));
      if (days && (op === '>' || op === '>=')) return `${days.subject} ${COMPARE[op]} ${rhs} days ${days.kind === 'days_until' ? 'away' : 'ago'}`;
      return `${sentenceCase(this.expr(left, depth + 1))} ${COMPARE[op]} ${rhs}`;
    }
    if (days && right === 0 && op === '>=') return `${days.subject} ${days.kind === 'days_until' ? 'is today or later' : 'is today or earlier'}`;
    if (days && typeof right === 'number' && right >= 0) {
      const n = right;
      if (days.kind === 'days_until') {
        switch (op) {
          case '<=': return `${days.subject} within ${n} days`;
          case '<': return `${days.subject} within ${n - 1} days`;
          case '>': return `${days.subject} more than ${n} days away`;
          case '>=': return `${days.subject} at least ${n} days away`;
          case '==': case '===': return `${days.subject} in exactly ${n} days`;
        }
      } else {
        switch (op) {
          case '>': return `${days.subject} more than ${n} days ago`;
          case '>=': return `${days.subject} at least ${n} days ago`;
          case '<=': return `${days.subject} within the last ${n} days`;
          case '<': return `${days.subject} less than ${n} days ago`;
          case '==': case '===': return `${days.subject} exactly ${n} days ago`;
        }
      }
    }
    const subject = sentenceCase(this.expr(left, depth + 1));
    if (right === null) return `${subject} ${op === '==' || op === '===' ? 'is empty' : op === '!=' || op === '!==' ? 'is set' : `${COMPARE[op]} empty`}`;
    return `${subject} ${COMPARE[op]} ${this.value(right)}`;
  }

  daysOf(rule: Rule): { kind: 'days_until' | 'days_since'; subject: string } | null {
    const o = opOf(rule);
    if (!o || (o.op !== 'days_until' && o.op !== 'days_since')) return null;
    return { kind: o.op, subject: sentenceCase(this.expr(o.args[0], 0)) };
  }
}

export function describeRule(rule: unknown, fields: FieldDef[]): string {
  return sentenceCase(new Describer(fields).cond(rule, 0));
}
