/**
 * The engine functions the designer runs in the browser, in one place, each guarded so a
 * throw in a half-edited definition shows as a message instead of breaking the page.
 */
import { validateDefinition, type Problem } from '../../../engine/validate/index.js';
import { describeRule, buildConditionData } from '../../../engine/conditions/index.js';
import { renderTemplateHtml, analyzeTemplate } from '../../../engine/templates/index.js';
import { formatDefinition } from '../../../engine/format.js';
import type { Definition, FieldDef, Journey, Scorecard } from '../../../engine/schema/definitions.js';
import type { VarScope } from '../../../engine/conditions/index.js';

export function validateSafe(def: unknown, ctx: { fields: FieldDef[]; journeys?: Journey[]; scorecards?: Scorecard[] }): Problem[] {
  try {
    return validateDefinition(def, ctx);
  } catch (e) {
    return [{ path: '', severity: 'error', message: `The validator stopped: ${(e as Error).message}` }];
  }
}

/**
 * The JSON Schema validator compiles code at run time (new Function), which a strict
 * Content-Security-Policy (script-src 'self', as the server sends) forbids. The page reads
 * its own CSP once: without 'unsafe-eval' the designer validates through POST /api/validate
 * (the same validateDefinition on the server) instead of in the browser, so no refused eval
 * ever reaches the console.
 */
let evalCheck: Promise<boolean> | null = null;
export function browserCanValidate(): Promise<boolean> {
  if (evalCheck) return evalCheck;
  if (typeof window === 'undefined' || typeof fetch !== 'function' || window.location.protocol === 'about:') return (evalCheck = Promise.resolve(true));
  evalCheck = fetch('/', { method: 'HEAD', credentials: 'same-origin' }).then((res) => {
    const csp = res.headers.get('content-security-policy');
    return cspAllowsEval(csp);
  }, () => false);
  return evalCheck;
}

/** True when a CSP header lets scripts evaluate strings (no CSP, or 'unsafe-eval' in script-src / default-src). */
export function cspAllowsEval(csp: string | null): boolean {
  if (!csp) return true;
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((p) => p[0]).map((p) => [p[0].toLowerCase(), p.slice(1)] as const));
  const src = directives.get('script-src') ?? directives.get('default-src');
  return !src || src.includes("'unsafe-eval'");
}

export function describeRuleSafe(rule: unknown, fields: FieldDef[]): string | null {
  try {
    return describeRule(rule, fields);
  } catch {
    return null;
  }
}

/** Renders a template with an account's data, HTML-escaped by the engine, for a sandboxed preview. */
export function renderPreviewHtml(text: string, account: { fields: Record<string, unknown>; tags?: string[]; flags?: Record<string, boolean> }, nowMs: number): string {
  try {
    const data = buildConditionData({ fields: account.fields, tags: account.tags ?? [], flags: account.flags ?? {} });
    return renderTemplateHtml(text, data, nowMs);
  } catch (e) {
    return `<em>Cannot render: ${escapeHtml((e as Error).message)}</em>`;
  }
}

export function templateErrors(text: string, scope: VarScope): string[] {
  try {
    return analyzeTemplate(text, scope).errors.map((e) => e.message);
  } catch {
    return [];
  }
}

export function formatSafe(def: Definition): string {
  try {
    return formatDefinition(def);
  } catch {
    return JSON.stringify(def, null, 2) + '\n';
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export type { Problem };
