/**
 * The runtime's view of engine/conditions and engine/templates (one place to import them from).
 */
export { compileRule, buildConditionData, truthy, describeRule, parseDateMs, type CompiledRule, type ConditionData } from '../conditions/index.js';
export { renderTemplate } from '../templates/index.js';
export { civilFromDays } from '../conditions/dates.js';
