/**
 * Account ingest shared by POST /api/accounts/bulk, the CSV import and the demo seed:
 * each record is checked against the data dictionary; good ones are upserted (partial
 * merge), the rest reported with index, id, path and message.
 */
import type { ValidateFunction } from 'ajv';
import type { FieldDef } from '../../engine/schema/definitions.js';
import type { ServerContext } from '../context.js';
import type { AccountUpsert } from '../store/types.js';
import { ajvDetails, createAjv } from '../http/validate.js';
import { accountRecordSchema, derivedFieldNames, dictionaryOf, normalizeValue } from './dictionary.js';

export const MAX_ACCOUNTS_PER_REQUEST = 10_000;

export interface AccountRejection { index: number; id: string | null; path: string; message: string }
export interface AccountIngestResult { accepted: number; inserted: number; updated: number; rejected: AccountRejection[] }

const ajv = createAjv();
type RecordValidator = { key: string; validate: ValidateFunction; derived: Set<string>; byName: Map<string, FieldDef>; dates: Set<string> };
let cache: RecordValidator | null = null;
/** The published dictionary is one array per library version: look it up by identity first, so a bulk request does not re-serialise it. */
const byArray = new WeakMap<FieldDef[], RecordValidator>();

function validatorFor(fields: FieldDef[]): RecordValidator {
  const known = byArray.get(fields);
  if (known) return known;
  // A new array with the same content (e.g. the file before anything is published) reuses the compiled validator.
  const key = JSON.stringify(fields);
  if (cache?.key !== key) {
    cache = {
      key,
      validate: ajv.compile(accountRecordSchema(fields)),
      derived: derivedFieldNames(fields),
      byName: new Map(fields.map((f) => [f.name, f])),
      dates: new Set(fields.filter((f) => f.type === 'date').map((f) => f.name)),
    };
  }
  byArray.set(fields, cache);
  return cache;
}

/** Validates records; returns the upserts and the problems (one entry per problem). */
export function checkAccountRecords(fields: FieldDef[], records: unknown[]): { upserts: { index: number; upsert: AccountUpsert }[]; rejected: AccountRejection[] } {
  const v = validatorFor(fields);
  const upserts: { index: number; upsert: AccountUpsert }[] = [];
  const rejected: AccountRejection[] = [];
  records.forEach((rec, index) => {
    const id = rec && typeof rec === 'object' && typeof (rec as { id?: unknown }).id === 'string' ? (rec as { id: string }).id : null;
    if (!rec || typeof rec !== 'object' || Array.isArray(rec)) {
      rejected.push({ index, id, path: '', message: 'must be an object with an id and field values' });
      return;
    }
    if (!v.validate(rec)) {
      for (const d of ajvDetails(v.validate.errors)) {
        const name = d.path.split('/')[1];
        const message = name && v.derived.has(name) ? `"${name}" is a derived field: it is computed, not stored` : d.message;
        rejected.push({ index, id, path: d.path, message });
      }
      return;
    }
    const r = rec as Record<string, unknown>;
    const { tags, flags } = r;
    const fieldValues: Record<string, unknown> = {};
    // Keys were checked against the dictionary above; only date fields need normalising.
    for (const k of Object.keys(r)) {
      if (k === 'id' || k === 'tags' || k === 'flags') continue;
      fieldValues[k] = v.dates.has(k) ? normalizeValue(v.byName.get(k), r[k]) : r[k];
    }
    const upsert: AccountUpsert = { id: r.id as string, fields: fieldValues };
    if (tags !== undefined) upsert.tags = [...new Set(tags as string[])];
    if (flags !== undefined) upsert.flags = flags as Record<string, boolean>;
    upserts.push({ index, upsert });
  });
  return { upserts, rejected };
}

/**
 * Drops upserts whose owner is not a user (tasks for the account owner would land in no
 * one's queue); returns the kept upserts and one rejection per dropped record.
 */
export async function checkOwners<T extends { index: number; upsert: AccountUpsert }>(ctx: ServerContext, upserts: T[]): Promise<{ kept: T[]; rejected: AccountRejection[] }> {
  const owners = new Set(upserts.map((u) => u.upsert.fields?.owner).filter((o): o is string => typeof o === 'string'));
  if (owners.size === 0) return { kept: upserts, rejected: [] };
  const users = new Set((await ctx.store.listUsers()).map((u) => u.id));
  const kept: T[] = [];
  const rejected: AccountRejection[] = [];
  for (const u of upserts) {
    const owner = u.upsert.fields?.owner;
    if (typeof owner === 'string' && !users.has(owner)) {
      rejected.push({ index: u.index, id: u.upsert.id, path: '/owner', message: `owner "${owner}" is not a user: use a user id (see Team)` });
    } else kept.push(u);
  }
  return { kept, rejected };
}

/** Validates and stores; the same account id twice in one batch merges in order. */
export async function ingestAccounts(ctx: ServerContext, records: unknown[]): Promise<AccountIngestResult> {
  const fields = dictionaryOf(ctx);
  const checked = checkAccountRecords(fields, records);
  const owners = await checkOwners(ctx, checked.upserts);
  const upserts = owners.kept;
  const rejected = [...checked.rejected, ...owners.rejected].sort((a, b) => a.index - b.index);
  let inserted = 0, updated = 0;
  if (upserts.length) {
    const r = await ctx.store.upsertAccounts(upserts.map((u) => u.upsert), ctx.clock.now().toISOString());
    inserted = r.inserted;
    updated = r.updated;
    ctx.kickWorker();
  }
  return { accepted: upserts.length, inserted, updated, rejected };
}
