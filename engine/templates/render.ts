/** analyzeTemplate, renderTemplate and renderTemplateHtml. */
import type { VarScope } from '../conditions/scope.js';
import type { ConditionData } from '../conditions/data.js';
import { cachedDateMs } from '../conditions/data.js';
import { daysSinceMs, daysUntilMs } from '../conditions/dates.js';
import { didYouMean } from '../conditions/suggest.js';
import { parseTemplate } from './parse.js';
import { HELPERS, helperAccepts, pathSegments, readSegments, resolvePath, type Helper } from './fields.js';
import { formatDate, formatMoney, formatValue } from './format.js';

export interface TemplateAnalysis {
  errors: { message: string }[];
}

const isHelper = (h: string): h is Helper => (HELPERS as readonly string[]).includes(h);

export function analyzeTemplate(text: string, scope: VarScope): TemplateAnalysis {
  const errors: { message: string }[] = [];
  for (const part of parseTemplate(text)) {
    if (part.kind === 'unclosed') {
      errors.push({ message: `"{{" at line ${part.line}, column ${part.column} is never closed with "}}"` });
      continue;
    }
    if (part.kind !== 'field') continue;
    if (part.tokens === 0) {
      errors.push({ message: `empty merge field {{}} at line ${part.line}, column ${part.column}` });
      continue;
    }
    if (part.fallbackError !== null) {
      errors.push({ message: `merge field {{${part.source}}}: ${part.fallbackError}` });
      continue;
    }
    if (part.tokens > 2) {
      errors.push({ message: `merge field {{${part.source}}} has too many words: use {{path}} or {{helper path}}` });
      continue;
    }
    if (part.helper !== null && !isHelper(part.helper)) {
      errors.push({ message: `unknown helper ${part.helper}${didYouMean(part.helper, HELPERS)} (helpers: ${HELPERS.join(', ')})` });
      continue;
    }
    const resolved = resolvePath(part.path, scope);
    if ('error' in resolved) {
      errors.push({ message: resolved.error });
      continue;
    }
    if (part.helper !== null && !helperAccepts(part.helper as Helper, resolved.kind)) {
      const what = resolved.kind === 'now' ? 'now' : `${part.path} (${resolved.kind === 'other' ? 'not a date or number' : `a ${resolved.kind} field`})`;
      const needs = part.helper === 'money' ? 'a number field' : 'a date field';
      errors.push({ message: `{{${part.source}}}: ${part.helper} needs ${needs}, not ${what}` });
    }
  }
  return { errors };
}

/** A merge field ready to render: its path split once, for every account the template renders for. */
interface FieldPart {
  helper: string | null;
  /** `{{now}}` (with or without a helper). */
  now: boolean;
  segs: readonly string[] | null;
  /** More than two words: renders as "" (analyzeTemplate reports it). */
  invalid: boolean;
  fallback: string | null;
}
/** Literal text, or a merge field. */
type CompiledPart = string | FieldPart;

// Keyed by the template text (not by object identity): definitions parsed afresh reuse the entry.
const compiled = new Map<string, CompiledPart[]>();
const COMPILED_LIMIT = 500;

function compileTemplate(text: string): CompiledPart[] {
  let parts = compiled.get(text);
  if (parts !== undefined) return parts;
  parts = [];
  for (const part of parseTemplate(text)) {
    if (part.kind !== 'field') parts.push(part.text);
    else {
      const now = part.path === 'now';
      parts.push({ helper: part.helper, now, segs: now ? null : pathSegments(part.path), invalid: part.tokens > 2, fallback: part.fallback });
    }
  }
  if (compiled.size >= COMPILED_LIMIT) compiled.clear();
  compiled.set(text, parts);
  return parts;
}

function fieldText(part: FieldPart, data: ConditionData, nowMs: number): string {
  const helper = part.helper;
  if (part.now) return helper === null || helper === 'date' ? formatDate(nowMs) : '';
  const value = readSegments(part.segs, data);
  switch (helper) {
    case null: return formatValue(value);
    case 'date': return formatDate(value);
    case 'money': return formatMoney(value);
    case 'days_until': return formatValue(daysUntilMs(cachedDateMs(data, value), nowMs));
    case 'days_since': return formatValue(daysSinceMs(cachedDateMs(data, value), nowMs));
  }
  return '';
}

function render(text: string, data: ConditionData, nowMs: number, escape: ((s: string) => string) | null): string {
  const parts = compileTemplate(text);
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    let s: string;
    if (typeof part === 'string') s = part;
    else {
      const value = part.invalid ? '' : fieldText(part, data, nowMs);
      s = value === '' && part.fallback !== null ? part.fallback : value;
    }
    out += escape === null ? s : escape(s);
  }
  return out;
}

/** Plain text: missing values and unknown fields render as "" (or the field's `| default "..."` text). */
export function renderTemplate(text: string, data: ConditionData, nowMs: number): string {
  return render(text, data, nowMs, null);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** HTML: the template's own text and every value escaped; line breaks become <br>. */
export function renderTemplateHtml(text: string, data: ConditionData, nowMs: number): string {
  return render(text, data, nowMs, (s) => escapeHtml(s).replace(/\r\n|\r|\n/g, '<br>'));
}
