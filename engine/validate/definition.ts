/**
 * validateDefinition: shape (ajv against the generated JSON Schema, in plain language) plus
 * meaning (graph, references, rules and merge fields). Pure, so the editor runs it live.
 */
import type { VarScope } from '../conditions/index.js';
import type { FieldDef, Journey, Scorecard } from '../schema/definitions.js';
import { Collector } from './collector.js';
import { checkFields } from './fields.js';
import { checkJourney } from './journey.js';
import { checkPlaybook } from './playbook.js';
import { asArray, isObj, str, type Problem } from './problem.js';
import { schemaProblems } from './schema-errors.js';
import { checkScorecard } from './scorecard.js';

export interface ValidationContext {
  /** The data dictionary's fields. */
  fields: FieldDef[];
  /** The library's journeys; when absent, journey and stage names are not checked. */
  journeys?: Journey[];
  /** The library's scorecards; when absent, health measure ids are not checked. */
  scorecards?: Scorecard[];
  file?: string;
}

const KINDS = ['playbook', 'journey', 'scorecard', 'fields'];

export function validateDefinition(def: unknown, ctx: ValidationContext): Problem[] {
  const problems = collect(def, ctx);
  return ctx.file === undefined ? problems : problems.map((p) => ({ file: ctx.file, ...p }));
}

function collect(def: unknown, ctx: ValidationContext): Problem[] {
  if (!isObj(def)) return [{ path: '', severity: 'error', message: `expected a definition object with a "kind", found ${Array.isArray(def) ? 'a list' : def === null ? 'null' : `a ${typeof def}`}` }];
  if (!KINDS.includes(def.kind)) {
    return [{ path: 'kind', severity: 'error', message: def.kind === undefined ? 'missing required field kind (one of playbook, journey, scorecard, fields)' : `unknown kind ${JSON.stringify(def.kind)}: expected one of playbook, journey, scorecard, fields` }];
  }
  const shape = schemaProblems(def);
  const ownFields = def.kind === 'fields' ? asArray(def.fields).filter((f) => isObj(f) && typeof f.name === 'string') as FieldDef[] : null;
  const scope: VarScope = { fields: ownFields ?? asArray(ctx.fields) };
  if (ctx.journeys) scope.journeys = ctx.journeys.map((j) => j.id);
  if (def.kind === 'journey' && typeof def.id === 'string') scope.journeys = [...new Set([...(scope.journeys ?? []), def.id])];
  if (ctx.scorecards && ctx.scorecards.length) scope.measures = [...new Set(ctx.scorecards.flatMap((s) => asArray(s.measures).map((m) => str(m?.id)).filter((x): x is string => !!x)))];
  const c = new Collector(scope);
  const refs = { journeys: ctx.journeys };
  if (def.kind === 'playbook') checkPlaybook(def, c, refs);
  else if (def.kind === 'journey') checkJourney(def, c, refs);
  else if (def.kind === 'scorecard') checkScorecard(def, c);
  else checkFields(def, c);
  return attachNodes(def, dedupe([...shape, ...c.problems]));
}

/** Names the node/edge/stage a path is in, so the editor can mark it. */
function attachNodes(def: Record<string, any>, problems: Problem[]): Problem[] {
  return problems.map((p) => {
    if (p.nodeId !== undefined || p.edgeId !== undefined) return p;
    const m = /^(nodes|edges|stages|transitions|measures|fields)\/(\d+)(\/|$)/.exec(p.path);
    if (!m) return p.path === 'trigger' || p.path.startsWith('trigger/') ? { ...p, nodeId: 'trigger' } : p;
    const item = asArray(def[m[1]])[Number(m[2])];
    const id = isObj(item) ? str(item.id) ?? str(item.name) : undefined;
    if (id === undefined) return p;
    return m[1] === 'edges' || m[1] === 'transitions' ? { ...p, edgeId: id } : { ...p, nodeId: id };
  });
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.severity}\u0000${p.path}\u0000${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
