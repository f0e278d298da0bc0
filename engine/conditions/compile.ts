/**
 * compileRule: validate once, then evaluate many times with exactly
 * json-logic-js 2.0.5's results. Generated code when the platform allows
 * `new Function`, a closure tree otherwise (or when asked).
 */
import { parseRule } from './parse.js';
import { RuleError } from './errors.js';
import { checkScope } from './analyze.js';
import type { VarScope } from './scope.js';
import type { ConditionData } from './data.js';
import { codegenAvailable, compileWithCodegen } from './codegen.js';
import { compileWithClosures } from './interpret.js';

export type CompiledRule = (data: ConditionData, nowMs: number) => unknown;

export type CompileMode = 'auto' | 'codegen' | 'closure';
export const COMPILE_MODES: readonly Exclude<CompileMode, 'auto'>[] = ['codegen', 'closure'];

export interface CompileOptions {
  /** 'auto' (default): generated code if `new Function` works here, else closures. */
  mode?: CompileMode;
  /** When given, unknown account paths are rejected too (as analyzeRule reports them). */
  scope?: VarScope;
}

export function compileRule(rule: unknown, options: CompileOptions = {}): CompiledRule {
  const parsed = parseRule(rule);
  if (parsed.problems.length) throw new RuleError(parsed.problems);
  if (options.scope) {
    const checked = checkScope(parsed.node, options.scope);
    if (checked.errors.length) throw new RuleError(checked.errors);
  }
  let mode = options.mode ?? 'auto';
  if (mode === 'auto') {
    mode = codegenAvailable() ? 'codegen' : 'closure';
  }
  return mode === 'codegen' ? compileWithCodegen(parsed.node) : compileWithClosures(parsed.node);
}
