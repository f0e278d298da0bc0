/**
 * Builds the JSON Schema document for Waymark definition files from the TypeBox types in
 * definitions.ts (draft-07, which ajv's default class and code editors both handle well).
 *
 * Two rewrites make the file friendlier than TypeBox's raw output:
 * - tagged unions (node `kind`, trigger/wait/owner `type`, reentry `policy`...) become an
 *   `enum` on the tag plus `if`/`then` per tag value, so editors complete the fields of the
 *   chosen kind and validators report errors of that kind only (not of every alternative);
 * - unions of string literals become an `enum`;
 * - shared parts (Condition, TaskSpec, Duration...) are written once under `definitions` and
 *   referenced with `$ref`.
 * Pure: no I/O (engine/cli/write-schema.ts writes the file).
 */
import type { TSchema } from '@sinclair/typebox';
import * as D from './definitions.js';

export const SCHEMA_PATH = 'playbooks/schema/waymark.schema.json';
export const SCHEMA_REF = './schema/waymark.schema.json';

type Json = Record<string, any>;

/** Named parts, in the order they appear under `definitions`. Larger parts first so they win. */
const NAMED: [string, TSchema][] = [
  ['Playbook', D.Playbook],
  ['Journey', D.Journey],
  ['Scorecard', D.Scorecard],
  ['Fields', D.Fields],
  ['Trigger', D.Trigger],
  ['Reentry', D.Reentry],
  ['Exit', D.Exit],
  ['PlaybookNode', D.PlaybookNode],
  ['Edge', D.Edge],
  ['Wait', D.Wait],
  ['TaskSpec', D.TaskSpec],
  ['Owner', D.Owner],
  ['ChecklistStep', D.ChecklistStep],
  ['EmailTemplate', D.EmailTemplate],
  ['AccountUpdate', D.AccountUpdate],
  ['Stage', D.Stage],
  ['StageAction', D.StageAction],
  ['Transition', D.Transition],
  ['Measure', D.Measure],
  ['Thresholds', D.Thresholds],
  ['ScoreBands', D.ScoreBands],
  ['TierOverride', D.TierOverride],
  ['FieldDef', D.FieldDef],
  ['Layout', D.Layout],
  ['Duration', D.Duration],
  ['Condition', D.Condition],
  ['Id', D.Id],
];

/** TypeBox schemas carry symbol keys (its own bookkeeping); JSON keeps only the schema. */
function plain(schema: unknown): Json {
  return JSON.parse(JSON.stringify(schema));
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The property every member of a union of objects fixes with a distinct `const`, if any. */
function discriminator(members: Json[]): string | null {
  if (members.length < 2 || !members.every((m) => m.type === 'object' && isObj(m.properties))) return null;
  const candidates = Object.keys(members[0].properties).filter((k) => 'const' in members[0].properties[k]);
  for (const key of candidates) {
    const values = members.map((m) => m.properties[key]?.const);
    if (values.every((v) => typeof v === 'string') && new Set(values).size === values.length && members.every((m) => (m.required ?? []).includes(key))) return key;
  }
  return null;
}

function rewrite(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewrite);
  if (!isObj(node)) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = rewrite(v);
  if (!Array.isArray(out.anyOf)) return out;
  const { anyOf, ...rest } = out;
  const members = anyOf as Json[];
  if (members.every((m) => typeof m.const === 'string' && Object.keys(m).every((k) => k === 'const' || k === 'type'))) {
    return { ...rest, type: 'string', enum: members.map((m) => m.const) };
  }
  const key = discriminator(members);
  if (!key) return out;
  return {
    ...rest,
    type: 'object',
    required: [key],
    properties: { [key]: { type: 'string', enum: members.map((m) => m.properties[key].const) } },
    allOf: members.map((m) => ({ if: { required: [key], properties: { [key]: { const: m.properties[key].const } } }, then: m })),
  };
}

/** Replaces subtrees equal to a named part by a $ref (top-down, so the largest part wins). */
function refer(node: unknown, byText: Map<string, string>, self: string | null): unknown {
  if (Array.isArray(node)) return node.map((n) => refer(n, byText, null));
  if (!isObj(node)) return node;
  const name = byText.get(JSON.stringify(node));
  if (name && name !== self) return { $ref: `#/definitions/${name}` };
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = refer(v, byText, null);
  return out;
}

/** The whole JSON Schema document (a fresh object each call). */
export function buildJsonSchema(): Json {
  const rewritten = NAMED.map(([name, s]) => [name, rewrite(plain(s))] as const);
  const byText = new Map<string, string>();
  for (const [name, s] of rewritten) if (!byText.has(JSON.stringify(s))) byText.set(JSON.stringify(s), name);
  const definitions: Json = {};
  for (const [name, s] of rewritten) definitions[name] = refer(s, byText, name);
  const kinds = ['Playbook', 'Journey', 'Scorecard', 'Fields'].map((name) => [name, (definitions[name] as Json).properties.kind.const as string] as const);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Waymark definition',
    description: 'A Waymark definition file: a playbook, a journey, a health scorecard or the data dictionary (kind "fields"). Generated from engine/schema/definitions.ts by `npm run schema`; do not edit by hand.',
    type: 'object',
    required: ['kind'],
    properties: {
      kind: { type: 'string', enum: kinds.map(([, k]) => k), description: 'What this file defines' },
    },
    allOf: kinds.map(([name, kind]) => ({ if: { required: ['kind'], properties: { kind: { const: kind } } }, then: { $ref: `#/definitions/${name}` } })),
    definitions,
  };
}

/** The schema file's text: 2-space JSON with a trailing newline, stable across runs. */
export function jsonSchemaText(): string {
  return JSON.stringify(buildJsonSchema(), null, 2) + '\n';
}
