/**
 * Request body validation with ajv: errors become 400 with a JSON pointer path per problem.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { RequestHandler } from 'express';
import { HttpError, type ErrorDetail } from './errors.js';

// ajv-formats is CommonJS; under NodeNext its default export sits on .default.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

/** A calendar date (2026-11-22) or an ISO date-time with a zone (2026-11-22T09:00:00Z); real dates only. */
export function isDateOrDateTime(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return false;
  // A plain date that passed the calendar check parses (years below 100 already failed it).
  if (m[4] === undefined) return true;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return false;
  return !Number.isNaN(Date.parse(s.replace(' ', 'T')));
}

export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false });
  addFormats(ajv);
  ajv.addFormat('wm-date', { type: 'string', validate: isDateOrDateTime });
  return ajv;
}

const shared = createAjv();

const TYPE_NAMES: Record<string, string> = { string: 'a string', number: 'a number', integer: 'a whole number', boolean: 'true or false', object: 'an object', array: 'a list' };

/** Turns ajv errors into { path, message } with the offending property named. */
export function ajvDetails(errors: ErrorObject[] | null | undefined, prefix = ''): ErrorDetail[] {
  return (errors ?? []).map((e) => {
    let path = prefix + e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      path = `${path}/${extra}`;
      message = `unknown property "${extra}"`;
    } else if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      path = `${path}/${missing}`;
      message = `is required`;
    } else if (e.keyword === 'type') {
      const t = (e.params as { type: string | string[] }).type;
      const types = (Array.isArray(t) ? t : String(t).split(',')).filter((x) => x !== 'null');
      const named = types.map((x) => TYPE_NAMES[x] ?? x).join(' or ');
      message = `must be ${named || 'null'}${types.length && (Array.isArray(t) ? t : String(t).split(',')).includes('null') ? ' (or null to clear it)' : ''}`;
    } else if (e.keyword === 'enum') {
      message = `must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    } else if (e.keyword === 'format') {
      const f = (e.params as { format: string }).format;
      message = f === 'date-time' ? 'must be an ISO-8601 date-time, e.g. 2026-11-22T09:00:00Z' : f === 'date' ? 'must be a date, e.g. 2026-11-22' : f === 'wm-date' ? 'must be a date (2026-11-22) or an ISO-8601 date-time (2026-11-22T09:00:00Z)' : `must be a valid ${f}`;
    }
    return { path: path || '/', message };
  });
}

const compiled = new WeakMap<object, ValidateFunction>();

export function compileSchema(schema: object): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = shared.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** Throws a 400 HttpError listing every problem if value does not match schema. */
export function assertValid<T>(schema: object, value: unknown, what = 'Request body'): T {
  const fn = compileSchema(schema);
  if (!fn(value)) throw new HttpError(400, `${what} is invalid`, ajvDetails(fn.errors));
  return value as T;
}

/** Middleware: validates req.body against schema. */
export function validateBody(schema: object): RequestHandler {
  return (req, _res, next) => {
    assertValid(schema, req.body ?? undefined);
    next();
  };
}

/** Middleware: validates req.query (strings) against schema. */
export function validateQuery(schema: object): RequestHandler {
  return (req, _res, next) => {
    assertValid(schema, { ...req.query }, 'Query');
    next();
  };
}
