/** What a merge field may name, and how it reads its value from condition data. */
import type { FieldDef } from '../schema/definitions.js';
import type { VarScope } from '../conditions/scope.js';
import { FORBIDDEN_SEGMENTS } from '../conditions/operators.js';
import { didYouMean } from '../conditions/suggest.js';
import { lookup } from '../conditions/runtime.js';
import type { ConditionData } from '../conditions/data.js';

export const HELPERS = ['days_until', 'days_since', 'date', 'money'] as const;
export type Helper = (typeof HELPERS)[number];

/** Field types each helper accepts (`now` counts as a date). */
const HELPER_TYPES: Record<Helper, FieldDef['type'][]> = {
  days_until: ['date'],
  days_since: ['date'],
  date: ['date'],
  money: ['number', 'integer'],
};

export type FieldKind = FieldDef['type'] | 'now';

function candidates(scope: VarScope): string[] {
  const out = scope.fields.map((f) => `account.${f.name}`);
  out.push('health.score', 'health.color', 'now');
  if (scope.allowEvent) out.push('event.type', 'event.id');
  return out;
}

/** The kind of value a merge-field path names, or a message saying why it is not known. */
export function resolvePath(path: string, scope: VarScope): { kind: FieldKind | 'other' } | { error: string } {
  const segs = path.split('.');
  const unknown = () => ({ error: `unknown merge field ${path}${didYouMean(path, candidates(scope))}` });
  if (path === '') return { error: 'empty merge field {{}}' };
  if (segs.some((s) => FORBIDDEN_SEGMENTS.has(s) || s === '')) return unknown();
  if (path === 'now') return { kind: 'now' };
  if (segs[0] === 'account' && segs.length === 2) {
    const field = scope.fields.find((f) => f.name === segs[1]);
    return field ? { kind: field.type } : unknown();
  }
  if (path === 'health.score') return { kind: 'number' };
  if (path === 'health.color') return { kind: 'other' };
  if (segs[0] === 'event') {
    const eventPath = (segs.length === 2 && (segs[1] === 'type' || segs[1] === 'id')) || (segs.length >= 3 && segs[1] === 'data');
    if (!eventPath) return unknown();
    if (!scope.allowEvent) return { error: `${path} can only be used in playbooks started by an event or waiting for one` };
    return { kind: 'other' };
  }
  return unknown();
}

export function helperAccepts(helper: Helper, kind: FieldKind | 'other'): boolean {
  if (kind === 'now') return helper === 'date';
  if (kind === 'other') return helper === 'money' ? true : helper === 'date';
  return HELPER_TYPES[helper].includes(kind);
}

/**
 * The condition-data segments a merge-field path reads (`account.x` reads top-level `x`), or
 * null when it can read nothing (a forbidden segment, an unknown root). Split once per template.
 */
export function pathSegments(path: string): readonly string[] | null {
  const segs = path.split('.');
  if (segs.some((s) => FORBIDDEN_SEGMENTS.has(s))) return null;
  if (segs[0] === 'account') return segs.length === 2 ? [segs[1]] : null;
  if (segs[0] === 'health' || segs[0] === 'event') return segs;
  return null;
}

/** Reads segments from pathSegments (own properties only; undefined when absent). */
export function readSegments(segs: readonly string[] | null, data: ConditionData): unknown {
  return segs === null ? undefined : lookup(data, segs, undefined);
}

/** Reads a merge-field path from condition data (own properties only; undefined when absent). */
export function readPath(path: string, data: ConditionData): unknown {
  return readSegments(pathSegments(path), data);
}
