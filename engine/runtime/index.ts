export {
  compileLibrary, DefinitionError, stageKey, describeTrigger,
  type LibraryInput, type CompiledLibrary, type CompiledPlaybook, type CompiledJourney, type CompiledScorecard, type LibraryProblem, type PlaybookVersions,
} from './compile.js';
export { evaluate, computeHealth, computeHealthCoverage, withDerived } from './evaluate.js';
export { migrateInstances } from './migrate.js';
export { applyEvent } from '../events/apply.js';
export { taskId, instanceId, timelineId, taskKey } from '../ids.js';
export { resolveOwner } from './tasks.js';
export { ruleVars } from './rules.js';
