/**
 * The engine's public API (pure, browser-safe): definition format, conditions, templates,
 * validation, canonical formatting, the runtime and simulation. See docs/ARCHITECTURE.md.
 */
export * from './schema/definitions.js';
export type * from './types.js';
export * from './conditions/index.js';
export * from './templates/index.js';
export * from './validate/index.js';
export { formatDefinition, contentHash } from './format.js';
export * from './runtime/index.js';
export * from './simulate/index.js';
export { applyEvent, ticketFields, KEY_FEATURES_GREEN_THRESHOLD } from './events/index.js';
export { scoreHealth, measureColor } from './health/compute.js';
export { stableHash } from './ids.js';
