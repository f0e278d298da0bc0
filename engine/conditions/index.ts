export { ALLOWED_OPERATORS, MAX_DEPTH } from './operators.js';
export { analyzeRule, type RuleAnalysis, type VarScope } from './analyze.js';
export { compileRule, COMPILE_MODES, type CompiledRule, type CompileMode, type CompileOptions } from './compile.js';
export { RuleError, type RuleProblem } from './errors.js';
export { buildConditionData, type ConditionData, type ConditionDataInput } from './data.js';
export { truthy } from './runtime.js';
export { describeRule } from './describe.js';
export { parseDateMs, daysSince, daysUntil, DAY_MS } from './dates.js';
export { checkVarPath } from './scope.js';
