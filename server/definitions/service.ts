/**
 * What the definitions routes do, apart from HTTP: read and check drafts, save them
 * with stable formatting, publish immutable versions, and build preview libraries.
 */
import type { ServerContext } from '../context.js';
import type { Definition, FieldDef, Journey, Playbook, Scorecard } from '../../engine/schema/definitions.js';
import type { DefinitionVersion } from '../store/types.js';
import type { Instance } from '../../engine/types.js';
import { HttpError } from '../http/errors.js';
import { DraftFiles, isSafeId, type DraftFile } from './files.js';
import { formatDefinition, parseDefinitionText, validateDefinition, type Problem } from './engine.js';
import { hashOf } from '../library.js';

export const KINDS = ['playbook', 'journey', 'scorecard', 'fields'] as const;

export interface ValidationContext { fields: FieldDef[]; journeys: Journey[]; scorecards: Scorecard[] }

/** The published library (newest versions) as the validator's context, with `def` in place of its live version. */
export function validationContext(ctx: ServerContext, def?: Definition | null): ValidationContext {
  const input = ctx.library.currentInput();
  let fields = input.fields.fields;
  let journeys = input.journeys.map((j) => j.def);
  let scorecards = input.scorecards;
  // Only the newest of each journey (older versions are not kept in the input, but be safe).
  journeys = [...new Map(journeys.map((j) => [j.id, j])).values()];
  if (def?.kind === 'fields') fields = def.fields;
  if (def?.kind === 'journey') journeys = journeys.filter((j) => j.id !== def.id).concat(def);
  if (def?.kind === 'scorecard') scorecards = scorecards.filter((s) => s.id !== def.id).concat(def);
  return { fields, journeys, scorecards };
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.severity}|${p.path}|${p.nodeId ?? ''}|${p.edgeId ?? ''}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function checkDefinition(ctx: ServerContext, def: unknown, file?: string): Problem[] {
  const d = def && typeof def === 'object' ? (def as Definition) : null;
  const vctx = validationContext(ctx, d && (KINDS as readonly string[]).includes(d.kind) ? d : null);
  return dedupe(validateDefinition(def, { ...vctx, file }));
}

export interface ParsedDraft {
  file: DraftFile;
  definition: Definition | null;
  problems: Problem[];
}

export function checkDraftText(ctx: ServerContext, f: DraftFile): ParsedDraft {
  const parsed = parseDefinitionText(f.text, f.file);
  if (!parsed.definition) return { file: f, definition: null, problems: parsed.problems };
  const problems = [...parsed.problems, ...checkDefinition(ctx, parsed.definition, f.file)];
  if (parsed.definition.id !== f.id) {
    problems.push({ file: f.file, path: '/id', severity: 'error', message: `The id "${parsed.definition.id}" does not match the file name ${f.id}.json` });
  }
  return { file: f, definition: parsed.definition, problems: dedupe(problems) };
}

export function counts(problems: Problem[]): { errors: number; warnings: number } {
  let errors = 0, warnings = 0;
  for (const p of problems) p.severity === 'error' ? errors++ : warnings++;
  return { errors, warnings };
}

export function requireSafeId(id: unknown, where = 'id'): string {
  if (!isSafeId(id)) {
    throw new HttpError(400, `Invalid ${where}`, [{ path: `/${where}`, message: 'must be 1-80 characters: lower-case letters, digits, - and _, starting with a letter or digit' }]);
  }
  return id;
}

/** A request's definition: an object of a known kind whose id matches. */
export function requireDefinition(value: unknown, expectedId?: string): Definition {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, 'Request body is invalid', [{ path: '/definition', message: 'must be a definition object' }]);
  }
  const d = value as { kind?: unknown; id?: unknown };
  if (!(KINDS as readonly unknown[]).includes(d.kind)) {
    throw new HttpError(400, 'Request body is invalid', [{ path: '/definition/kind', message: `must be one of: ${KINDS.join(', ')}` }]);
  }
  requireSafeId(d.id, 'definition/id');
  if (expectedId !== undefined && d.id !== expectedId) {
    throw new HttpError(400, 'Request body is invalid', [{ path: '/definition/id', message: `must be "${expectedId}" (the id in the URL); use duplicate to copy under a new id` }]);
  }
  return value as Definition;
}

/** formatDefinition over a request's object; a shape it cannot format is a 400, not a 500. */
export function formatOrReject(def: Definition): string {
  try {
    return formatDefinition(def);
  } catch (err) {
    throw new HttpError(400, `The definition cannot be formatted: ${(err as Error).message}`, [{ path: '/definition', message: (err as Error).message }]);
  }
}

/** Starting points for POST /api/definitions { from: "blank-<kind>" }. */
export function blankDefinition(kind: Definition['kind'], id: string, name: string): Definition {
  const $schema = './schema/waymark.schema.json';
  switch (kind) {
    case 'playbook': {
      const p: Playbook = {
        $schema, kind, id, name,
        trigger: { type: 'manual' },
        reentry: { policy: 'after-exit' },
        nodes: [{ id: 'end', kind: 'end', label: 'Done' }],
        edges: [{ id: 'trigger-end', from: 'trigger', to: 'end' }],
        layout: { nodes: { trigger: { x: 0, y: 0 }, end: { x: 0, y: 160 } } },
      };
      return p;
    }
    case 'journey':
      return {
        $schema, kind, id, name, initialStage: 'onboarding',
        stages: [{ id: 'onboarding', name: 'Onboarding', targetDays: 60 }, { id: 'adoption', name: 'Adoption' }],
        transitions: [{ id: 'onboarding-adoption', from: 'onboarding', to: 'adoption', when: { '>=': [{ var: 'featuresUsed' }, 5] } }],
        layout: { nodes: { onboarding: { x: 0, y: 0 }, adoption: { x: 260, y: 0 } } },
      };
    case 'scorecard':
      return {
        $schema, kind, id, name,
        measures: [{ id: 'nps', name: 'NPS', value: { var: 'nps' }, direction: 'higher-is-better', thresholds: { green: 9, yellow: 7 }, weight: 100 }],
        bands: { green: 75, yellow: 50 },
        expectedRenewalRate: { green: 0.95, yellow: 0.8, red: 0.5 },
      };
    case 'fields':
      return { $schema, kind, id, name, fields: [] };
  }
}

export const BLANK_SAMPLES: Record<string, Definition['kind']> = {
  'blank-playbook': 'playbook', 'blank-journey': 'journey', 'blank-scorecard': 'scorecard',
};

/** All pages of active (or incident) instances of a playbook. */
export async function allInstances(ctx: ServerContext, playbookId: string, status: Instance['status']): Promise<Instance[]> {
  const out: Instance[] = [];
  const limit = 5000;
  for (let offset = 0; ; offset += limit) {
    const page = await ctx.store.listInstances({ playbookId, status }, { limit, offset });
    out.push(...page.items);
    if (page.items.length < limit || out.length >= page.total) break;
  }
  return out;
}

export async function latestVersion(ctx: ServerContext, id: string): Promise<DefinitionVersion | null> {
  const versions = await ctx.store.listVersions(id);
  if (versions.length === 0) return null;
  const newest = versions.reduce((a, b) => (b.version > a.version ? b : a));
  return ctx.store.getVersion(id, newest.version);
}

/** Hash of the draft as it would be published (canonical formatting), so reformatting alone is not a change. */
export async function draftHash(parsed: ParsedDraft): Promise<string> {
  return hashOf(parsed.definition ? formatDefinition(parsed.definition) : parsed.file.text);
}

export function files(ctx: ServerContext): DraftFiles {
  return new DraftFiles(ctx.config.playbooksDir);
}
