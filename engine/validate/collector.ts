/**
 * Collects problems while walking a definition, and checks the rules (JSON Logic) and
 * templates (merge fields) inside it against what an account can hold.
 */
import { analyzeRule, type VarScope } from '../conditions/index.js';
import { analyzeTemplate } from '../templates/index.js';
import { joinPath, type Problem } from './problem.js';
import { emptyValueComparisons } from './empty-comparisons.js';

export interface Where {
  nodeId?: string;
  edgeId?: string;
}

export class Collector {
  readonly problems: Problem[] = [];
  constructor(readonly scope: VarScope) {}

  error(path: string, message: string, where: Where = {}): void {
    this.problems.push({ path, ...clean(where), severity: 'error', message });
  }

  warning(path: string, message: string, where: Where = {}): void {
    this.problems.push({ path, ...clean(where), severity: 'warning', message });
  }

  /** Checks a JSON Logic rule; returns the account paths it reads (empty if it has problems). */
  rule(rule: unknown, path: string, where: Where = {}, opts: { allowEvent?: boolean } = {}): string[] {
    if (rule === undefined) return [];
    const scope: VarScope = { ...this.scope, allowEvent: opts.allowEvent === true };
    try {
      const { errors, vars } = analyzeRule(rule, scope);
      for (const e of errors) this.error(joinPath(path, e.path), e.message, where);
      if (errors.length) return [];
      for (const w of emptyValueComparisons(rule, this.scope.fields)) this.warning(joinPath(path, w.path), w.message, where);
      return vars;
    } catch (e) {
      this.error(path, `this rule could not be checked: ${(e as Error).message}`, where);
      return [];
    }
  }

  /** Checks a text with merge fields such as {{account.renewalDate}}. */
  template(text: unknown, path: string, where: Where = {}, opts: { allowEvent?: boolean } = {}): void {
    if (typeof text !== 'string') return;
    const scope: VarScope = { ...this.scope, allowEvent: opts.allowEvent === true };
    try {
      for (const e of analyzeTemplate(text, scope).errors) this.error(path, e.message, where);
    } catch (e) {
      this.error(path, `this text could not be checked: ${(e as Error).message}`, where);
    }
  }
}

function clean(where: Where): Where {
  const out: Where = {};
  if (where.nodeId !== undefined) out.nodeId = where.nodeId;
  if (where.edgeId !== undefined) out.edgeId = where.edgeId;
  return out;
}
