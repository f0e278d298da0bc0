/** The runtime's hook into engine/validate: compileLibrary refuses a library with errors. */
export { validateDefinition } from '../validate/index.js';
