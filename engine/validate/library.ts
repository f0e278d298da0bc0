/**
 * validateLibrary: a set of definition files as the engine would load them: parse errors
 * with line/column, each definition in the light of the others (fields, journeys,
 * scorecards), ids unique and equal to file names, exactly one data dictionary.
 */
import { parseDefinitionText } from '../format.js';
import type { Definition, FieldDef, Journey, Scorecard } from '../schema/definitions.js';
import { validateDefinition } from './definition.js';
import { asArray, isObj, type Problem } from './problem.js';

export interface LibraryFile {
  file: string;
  text: string;
}

function baseName(file: string): string {
  const name = file.split(/[\\/]/).pop() ?? file;
  return name.replace(/\.json$/i, '');
}

export function validateLibrary(files: LibraryFile[]): Problem[] {
  const problems: Problem[] = [];
  const parsed: { file: string; def: Definition & Record<string, any> }[] = [];
  for (const f of files) {
    const r = parseDefinitionText(f.text, f.file);
    problems.push(...r.problems.map((p) => ({ ...p, file: f.file })));
    if (r.definition) parsed.push({ file: f.file, def: r.definition as Definition & Record<string, any> });
  }

  const dictionaries = parsed.filter((p) => p.def.kind === 'fields');
  for (const extra of dictionaries.slice(1)) {
    problems.push({ file: extra.file, path: 'kind', severity: 'error', message: `a second data dictionary: the library must have exactly one file of kind fields (the first is ${dictionaries[0].file})` });
  }
  if (dictionaries.length === 0 && parsed.some((p) => p.def.kind !== 'fields')) {
    const first = parsed.find((p) => p.def.kind !== 'fields')!;
    problems.push({ file: first.file, path: '', severity: 'error', message: 'the library has no data dictionary (a fields.json file of kind fields), so no account field is known' });
  }
  const fields = asArray(dictionaries[0]?.def.fields).filter((f) => isObj(f) && typeof f.name === 'string') as FieldDef[];
  const journeys = parsed.filter((p) => p.def.kind === 'journey' && typeof p.def.id === 'string').map((p) => p.def as Journey);
  const scorecards = parsed.filter((p) => p.def.kind === 'scorecard' && typeof p.def.id === 'string').map((p) => p.def as Scorecard);

  const ids = new Map<string, string>();
  for (const { file, def } of parsed) {
    if (typeof def.id === 'string') {
      const other = ids.get(def.id);
      if (other !== undefined) problems.push({ file, path: 'id', severity: 'error', message: `duplicate id "${def.id}": ${other} has the same id` });
      else ids.set(def.id, file);
      const expected = baseName(file);
      if (/\.json$/i.test(file) && def.id !== expected) problems.push({ file, path: 'id', severity: 'error', message: `id "${def.id}" does not match the file name: ids are file names, so the id must be "${expected}" (or rename the file to ${def.id}.json)` });
    }
    problems.push(...validateDefinition(def, { fields, journeys, scorecards, file }));
  }
  return problems;
}
