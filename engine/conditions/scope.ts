/**
 * What a rule may read (ARCHITECTURE.md "Condition data"): dictionary fields,
 * tags, flags.<name>, health, journey.<id>.stage|daysInStage, and event.* only
 * where an event is being handled.
 */
import type { FieldDef } from '../schema/definitions.js';
import { FORBIDDEN_SEGMENTS } from './operators.js';
import { didYouMean } from './suggest.js';

export interface VarScope {
  fields: FieldDef[];
  /** True inside event triggers and event waits, where `event.*` exists. */
  allowEvent?: boolean;
  /** Known journey ids; when given, journey.<id> must be one of them. */
  journeys?: string[];
  /** Known scorecard measure ids; when given, health.measures.<id> must be one of them. */
  measures?: string[];
}

const isIndex = (s: string) => /^(0|[1-9][0-9]*)$/.test(s);

/** Example paths offered by did-you-mean, besides the field names. */
function candidates(scope: VarScope): string[] {
  const out = scope.fields.map((f) => f.name);
  out.push('tags', 'health.score', 'health.color');
  for (const m of scope.measures ?? []) out.push(`health.measures.${m}.value`, `health.measures.${m}.color`);
  for (const j of scope.journeys ?? []) out.push(`journey.${j}.stage`, `journey.${j}.daysInStage`);
  if (scope.allowEvent) out.push('event.type', 'event.id');
  return out;
}

/** The field a top-level path reads, if it is a dictionary field. */
export function fieldOf(path: string, scope: VarScope): FieldDef | undefined {
  const first = path.split('.')[0];
  return scope.fields.find((f) => f.name === first);
}

/**
 * Checks a var path read from the account (top-level scope). Returns a plain
 * message, or null when the path is known.
 */
export function checkVarPath(path: string, scope: VarScope): string | null {
  const segs = path.split('.');
  const bad = segs.find((s) => FORBIDDEN_SEGMENTS.has(s));
  if (bad !== undefined) return `"${bad}" can never be read`;
  const [root, ...rest] = segs;
  const field = scope.fields.find((f) => f.name === root);
  const unknown = () => `unknown field ${path}${didYouMean(path, candidates(scope))}`;
  if (field) {
    if (rest.length === 0) return null;
    if (field.type === 'list' && rest.length === 1 && (isIndex(rest[0]) || rest[0] === 'length')) return null;
    return `field ${root} has no part "${rest.join('.')}"`;
  }
  switch (root) {
    case 'tags':
      if (rest.length === 0 || (rest.length === 1 && (isIndex(rest[0]) || rest[0] === 'length'))) return null;
      return `tags has no part "${rest.join('.')}"`;
    case 'flags':
      if (rest.length === 1 && rest[0] !== '') return null;
      return 'flags are read one at a time: flags.<name>';
    case 'health': {
      if (rest.length === 1 && (rest[0] === 'score' || rest[0] === 'color')) return null;
      if (rest.length === 3 && rest[0] === 'measures' && (rest[2] === 'value' || rest[2] === 'color')) {
        if (scope.measures && !scope.measures.includes(rest[1])) return `unknown health measure ${rest[1]}${didYouMean(rest[1], scope.measures)}`;
        return null;
      }
      return `unknown health value ${path}: use health.score, health.color or health.measures.<id>.value|color`;
    }
    case 'journey': {
      if (rest.length === 2 && (rest[1] === 'stage' || rest[1] === 'daysInStage')) {
        if (scope.journeys && !scope.journeys.includes(rest[0])) return `unknown journey ${rest[0]}${didYouMean(rest[0], scope.journeys)}`;
        return null;
      }
      return `unknown journey value ${path}: use journey.<journeyId>.stage or journey.<journeyId>.daysInStage`;
    }
    case 'event': {
      if (!scope.allowEvent) return `${path} can only be read in event triggers and event waits`;
      if (rest.length === 1 && (rest[0] === 'type' || rest[0] === 'id')) return null;
      if (rest.length >= 2 && rest[0] === 'data' && rest.slice(1).every((s) => s !== '')) return null;
      return `unknown event value ${path}: use event.type, event.id or event.data.<key>`;
    }
  }
  return unknown();
}
