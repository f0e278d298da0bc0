/**
 * The engine functions the definitions service uses, from one place (module paths per
 * docs/ARCHITECTURE.md).
 */
export { formatDefinition, contentHash } from '../../engine/format.js';
export { validateDefinition, validateLibrary, parseDefinitionText } from '../../engine/validate/index.js';
export type { Problem } from '../../engine/validate/index.js';
export { compileLibrary, migrateInstances } from '../../engine/runtime/index.js';
export type { CompiledLibrary, LibraryInput } from '../../engine/runtime/index.js';
export { simulate } from '../../engine/simulate/index.js';
export { describeRule } from '../../engine/conditions/index.js';
