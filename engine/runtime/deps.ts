/**
 * The runtime's view of engine/conditions and engine/templates.
 * TEMPORARY adapter over json-logic-js while those modules are being written; the
 * signatures are the ones in docs/ARCHITECTURE.md, so switching is a change of this file only.
 */
import jsonLogic from 'json-logic-js';
import type { AccountEvent, Health } from '../types.js';
import type { FieldDef } from '../schema/definitions.js';

export type ConditionData = Record<string, unknown>;
export type CompiledRule = (data: ConditionData, nowMs: number) => unknown;

const DAY = 86_400_000;
let currentNow = 0;
function parseDate(v: unknown): number | null {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const t = typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(t) ? t : null;
}
jsonLogic.add_operation('days_since', (d: unknown) => {
  const t = parseDate(d);
  return t === null ? null : Math.floor((currentNow - t) / DAY);
});
jsonLogic.add_operation('days_until', (d: unknown) => {
  const t = parseDate(d);
  return t === null ? null : Math.floor((t - currentNow) / DAY);
});

export function compileRule(rule: unknown): CompiledRule {
  return (data, nowMs) => {
    currentNow = nowMs;
    return jsonLogic.apply(rule as never, data);
  };
}

export function buildConditionData(input: {
  fields: Record<string, unknown>;
  tags: string[];
  flags: Record<string, boolean>;
  health?: Health | null;
  journey?: Record<string, { stage: string; daysInStage: number }>;
  event?: AccountEvent;
}): ConditionData {
  const data: ConditionData = Object.create(null);
  for (const k in input.fields) data[k] = input.fields[k];
  data.tags = input.tags;
  data.flags = input.flags;
  if (input.health) {
    const measures: Record<string, unknown> = {};
    for (const [id, m] of Object.entries(input.health.measures)) measures[id] = { value: m.value, color: m.color };
    data.health = { score: input.health.score, color: input.health.color, measures };
  }
  if (input.journey) data.journey = input.journey;
  if (input.event) data.event = input.event;
  return data;
}

export function truthy(value: unknown): boolean {
  return jsonLogic.truthy(value);
}

export function describeRule(rule: unknown, fields: FieldDef[]): string {
  void fields;
  return JSON.stringify(rule);
}

function lookup(data: ConditionData, path: string): unknown {
  let cur: unknown = data;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function renderTemplate(text: string, data: ConditionData, nowMs: number): string {
  return text.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (_m, expr: string) => {
    const parts = expr.split(/\s+/);
    const ref = (p: string) => lookup(data, p.startsWith('account.') ? p.slice(8) : p);
    if (parts.length === 2) {
      const v = ref(parts[1]);
      const t = parseDate(v);
      if (parts[0] === 'days_until') return t === null ? '' : String(Math.floor((t - nowMs) / DAY));
      if (parts[0] === 'days_since') return t === null ? '' : String(Math.floor((nowMs - t) / DAY));
      if (parts[0] === 'date') return t === null ? '' : new Date(t).toISOString().slice(0, 10);
      if (parts[0] === 'money') return typeof v === 'number' ? '$' + v.toLocaleString('en-US') : '';
    }
    if (expr === 'now') return new Date(nowMs).toISOString();
    const v = ref(expr);
    return v === undefined || v === null ? '' : String(v);
  });
}
