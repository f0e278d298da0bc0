/**
 * The runtime's hook into engine/validate (validateDefinition). TEMPORARY: engine/validate is
 * being written; until it lands compileLibrary relies on its own structural checks only.
 */
import type { FieldDef, Journey, Scorecard } from '../schema/definitions.js';
import type { LibraryProblem } from './compile.js';

export function validateDefinition(def: unknown, ctx: { fields: FieldDef[]; journeys?: Journey[]; scorecards?: Scorecard[]; file?: string }): LibraryProblem[] {
  void def;
  void ctx;
  return [];
}
