/**
 * The data dictionary (playbooks/fields.json, as published) turned into what ingest needs:
 * a JSON Schema for one account record, and CSV cell coercion per field type.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FieldDef, Fields } from '../../engine/schema/definitions.js';
import type { ServerContext } from '../context.js';

/** The published dictionary, or the file on disk before anything is published. */
export function dictionaryOf(ctx: Pick<ServerContext, 'library' | 'config'>): FieldDef[] {
  try {
    const fields = ctx.library.currentInput().fields as Fields | undefined;
    if (fields?.fields?.length) return fields.fields;
  } catch {
    // no compiled library yet: fall back to the file
  }
  const file = path.join(ctx.config.playbooksDir, 'fields.json');
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Fields;
    return Array.isArray(parsed.fields) ? parsed.fields : [];
  } catch {
    return [];
  }
}

/** JSON Schema of one field's value (null clears a stored value). */
export function fieldSchema(f: FieldDef): object {
  switch (f.type) {
    case 'string': return { type: ['string', 'null'], maxLength: 10_000 };
    case 'number': return { type: ['number', 'null'], ...bounds(f) };
    case 'integer': return { type: ['integer', 'null'], ...bounds(f) };
    case 'boolean': return { type: ['boolean', 'null'] };
    case 'date': return { type: ['string', 'null'], format: 'wm-date' };
    case 'enum': return { enum: [...(f.values ?? []), null] };
    case 'list': return { type: ['array', 'null'], items: { type: 'string', maxLength: 1000 }, maxItems: 1000 };
    default: return {};
  }
}

/** The dictionary's range of a number field (ajv then names the field and the bound it broke). */
function bounds(f: FieldDef): { minimum?: number; maximum?: number } {
  return {
    ...(typeof f.minimum === 'number' ? { minimum: f.minimum } : {}),
    ...(typeof f.maximum === 'number' ? { maximum: f.maximum } : {}),
  };
}

const ID_SCHEMA = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\s/?#]([^/?#]*[^\\s/?#])?$' };

/** One account record as posted: flat, { id, <field>: value, ..., tags?, flags? }. */
export function accountRecordSchema(fields: FieldDef[]): object {
  const properties: Record<string, object> = {
    id: ID_SCHEMA,
    tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 100 }, maxItems: 200 },
    flags: { type: 'object', additionalProperties: { type: 'boolean' }, propertyNames: { pattern: '^[a-z0-9][a-z0-9_-]*$' } },
  };
  for (const f of fields) {
    if (f.derived !== undefined || f.name === 'id') continue;
    properties[f.name] = fieldSchema(f);
  }
  return { type: 'object', required: ['id'], additionalProperties: false, properties };
}

export function derivedFieldNames(fields: FieldDef[]): Set<string> {
  return new Set(fields.filter((f) => f.derived !== undefined).map((f) => f.name));
}

/** Normalises stored values: date-times to ISO UTC (dates without a time stay YYYY-MM-DD). */
export function normalizeValue(f: FieldDef | undefined, value: unknown): unknown {
  if (f?.type === 'date' && typeof value === 'string' && value.length > 10) {
    const ms = Date.parse(value.replace(' ', 'T'));
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return value;
}

export type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);

/** Turns a CSV cell into the field's type; '' means "not given". */
export function coerceCell(f: FieldDef, raw: string): Coerced {
  const s = raw.trim();
  switch (f.type) {
    case 'number':
    case 'integer': {
      const cleaned = s.replace(/[,_\s]/g, '');
      const n = cleaned === '' ? NaN : Number(cleaned);
      if (!Number.isFinite(n)) return { ok: false, message: `"${s}" is not a number` };
      if (f.type === 'integer' && !Number.isInteger(n)) return { ok: false, message: `"${s}" is not a whole number` };
      return { ok: true, value: n };
    }
    case 'boolean': {
      const l = s.toLowerCase();
      if (TRUE.has(l)) return { ok: true, value: true };
      if (FALSE.has(l)) return { ok: true, value: false };
      return { ok: false, message: `"${s}" is not true/false` };
    }
    case 'list':
      return { ok: true, value: s.split(';').map((x) => x.trim()).filter(Boolean) };
    default:
      return { ok: true, value: s };
  }
}
