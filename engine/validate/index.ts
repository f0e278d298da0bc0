export { validateDefinition, type ValidationContext } from './definition.js';
export { validateLibrary, type LibraryFile } from './library.js';
export { schemaProblems } from './schema-errors.js';
export { RESERVED_ROOTS } from './fields.js';
export type { Problem } from './problem.js';
export { parseDefinitionText } from '../format.js';
