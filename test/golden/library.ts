/** Test helper: the sample library in playbooks/ as a LibraryInput (every definition at version 1). */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LibraryInput } from '../../engine/runtime/index.js';
import type { Definition, Fields, Journey, Playbook, Scorecard } from '../../engine/schema/definitions.js';

export const PLAYBOOKS_DIR = join(import.meta.dirname, '..', '..', 'playbooks');

export function loadSampleLibrary(dir = PLAYBOOKS_DIR): LibraryInput {
  const input: LibraryInput = { fields: undefined as unknown as Fields, scorecards: [], journeys: [], playbooks: [] };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const def = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Definition;
    if (def.kind === 'fields') input.fields = def as Fields;
    else if (def.kind === 'scorecard') input.scorecards.push(def as Scorecard);
    else if (def.kind === 'journey') input.journeys.push({ def: def as Journey, version: 1 });
    else if (def.kind === 'playbook') input.playbooks.push({ def: def as Playbook, version: 1 });
  }
  if (!input.fields) throw new Error(`No fields.json in ${dir}`);
  return input;
}
