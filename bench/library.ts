/** The sample library in playbooks/, read and validated, as the engine's input (version 1 of each). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDefinitionText } from '../engine/format.js';
import type { LibraryInput } from '../engine/runtime/index.js';
import type { Definition, Fields, Journey, Playbook, Scorecard } from '../engine/schema/definitions.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function loadLibrary(dir = path.join(REPO_ROOT, 'playbooks')): LibraryInput {
  const defs: Definition[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const { definition, problems } = parseDefinitionText(fs.readFileSync(path.join(dir, file), 'utf8'), file);
    if (!definition) throw new Error(`${file}: ${problems.map((p) => p.message).join('; ')}`);
    defs.push(definition);
  }
  const fields = defs.find((d): d is Fields => d.kind === 'fields');
  if (!fields) throw new Error(`no fields.json in ${dir}`);
  return {
    fields,
    scorecards: defs.filter((d): d is Scorecard => d.kind === 'scorecard'),
    journeys: defs.filter((d): d is Journey => d.kind === 'journey').map((def) => ({ def, version: 1 })),
    playbooks: defs.filter((d): d is Playbook => d.kind === 'playbook').map((def) => ({ def, version: 1 })),
  };
}
