/**
 * Shape checks against the generated JSON Schema, turned into plain language with paths
 * ("nodes/2/task: missing required field title") instead of ajv's raw text.
 * The validator is ajv's, precompiled by `npm run schema` (no eval, so it runs under a strict
 * Content-Security-Policy in the browser, and no schema compile on first use).
 */
import type { ErrorObject } from 'ajv';
import { validate as precompiled } from './schema-validator.generated.js';
import { joinPath, listOr, suggest, type Problem } from './problem.js';

type ValidateFn = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
const validator = (): ValidateFn => precompiled as ValidateFn;

function pointerToPath(ptr: string): string {
  return ptr
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('/');
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'number') return Number.isInteger(v) ? 'a whole number' : 'a number';
  if (typeof v === 'string') return 'text';
  if (typeof v === 'boolean') return 'true/false';
  return `an ${typeof v}`;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
}

function humanize(e: ErrorObject): { path: string; message: string } | null {
  const path = pointerToPath(e.instancePath);
  const p = e.params as Record<string, any>;
  const parent = (e.parentSchema ?? {}) as Record<string, any>;
  switch (e.keyword) {
    case 'if':
      return null; // the chosen branch's own errors say what is wrong
    case 'required':
      return { path, message: `missing required field ${p.missingProperty}` };
    case 'additionalProperties': {
      const allowed = Object.keys(parent.properties ?? {});
      return { path: joinPath(path, p.additionalProperty), message: `unknown field ${p.additionalProperty}${suggest(String(p.additionalProperty), allowed)}` };
    }
    case 'enum':
      return { path, message: `must be one of ${listOr((p.allowedValues as unknown[]).map(String))}, not ${show(e.data)}` };
    case 'const':
      return { path, message: `must be ${show(p.allowedValue)}, not ${show(e.data)}` };
    case 'type': {
      const want = String(p.type).split(',').map((t) => TYPE_WORDS[t] ?? t);
      return { path, message: `must be ${listOr(want)}, not ${typeOf(e.data)}` };
    }
    case 'pattern': {
      const what = parent.description && /id/i.test(parent.description) ? 'is not a valid id: use lower-case letters, digits, - and _, starting with a letter or digit' : p.pattern === '^[a-zA-Z][a-zA-Z0-9_]*$' ? 'is not a valid name: use letters, digits and _, starting with a letter' : `does not match the pattern ${p.pattern}`;
      return { path, message: `${show(e.data)} ${what}` };
    }
    case 'minLength':
      return { path, message: p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters long` };
    case 'maxLength':
      return { path, message: `is too long (at most ${p.limit} characters)` };
    case 'minimum':
      return { path, message: `must be at least ${p.limit}, not ${show(e.data)}` };
    case 'maximum':
      return { path, message: `must be at most ${p.limit}, not ${show(e.data)}` };
    case 'minItems':
      return { path, message: p.limit === 1 ? 'needs at least one item' : `needs at least ${p.limit} items` };
    case 'maxItems':
      return { path, message: `has too many items (at most ${p.limit})` };
    default:
      return { path, message: e.message ?? `fails the ${e.keyword} check` };
  }
}

/** Every shape problem of a definition (any kind), in document order, without duplicates. */
export function schemaProblems(def: unknown): Problem[] {
  const validate = validator();
  if (validate(def)) return [];
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    const h = humanize(e);
    if (!h) continue;
    const key = h.path + '\u0000' + h.message;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: h.path, severity: 'error', message: h.message });
  }
  return out;
}
