/**
 * Rules both stores share, so SQLite and MongoDB behave the same: how times are
 * normalised for comparison, the priority order of the queue, the calendar buckets
 * of analytics, how a partial account merges, and when failures become an incident.
 */
import type { Task } from '../../engine/types.js';
import type { Priority } from '../../engine/schema/definitions.js';
import type { AccountUpsert, TaskPatch } from './types.js';

/** After this many failed evaluations in a row the account's runs go to 'incident'. */
export const MAX_ATTEMPTS = 5;

/** Queue order: urgent first. */
export const PRIORITY_RANK: Record<Priority, number> = { urgent: 0, high: 1, medium: 2, low: 3 };

export function priorityRank(p: unknown): number {
  const rank = PRIORITY_RANK[p as Priority];
  return rank === undefined ? 9 : rank;
}

/**
 * Times are compared as strings in both stores, so every time that is filtered or
 * sorted on is stored as `Date#toISOString()` (fixed width, UTC, milliseconds).
 */
export function isoTime(value: unknown, where: string): string {
  // One evaluation stamps almost every row with the same time: the last string normalised
  // is remembered (parsing and formatting a date costs about a microsecond).
  if (typeof value === 'string' && value === lastIsoIn) return lastIsoOut;
  if (typeof value !== 'string' && typeof value !== 'number' && !(value instanceof Date)) {
    throw new Error(`${where}: expected an ISO-8601 time, got ${value === null ? 'null' : typeof value}`);
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new Error(`${where}: "${String(value)}" is not a valid ISO-8601 time`);
  const out = d.toISOString();
  if (typeof value === 'string') { lastIsoIn = value; lastIsoOut = out; }
  return out;
}
let lastIsoIn: string | null = null;
let lastIsoOut = '';

export function isoTimeOrNull(value: unknown, where: string): string | null {
  return value === null || value === undefined ? null : isoTime(value, where);
}

export function addMs(iso: string, ms: number): string {
  return new Date(new Date(iso).getTime() + ms).toISOString();
}

/** 'YYYY-MM-DD' (UTC) of a time. */
export function dayOf(iso: string): string {
  return iso.slice(0, 10);
}

/** The Monday (UTC) that starts the ISO week of a time, as 'YYYY-MM-DD'. */
export function weekOf(iso: string): string {
  if (iso === lastWeekIn) return lastWeekOut;
  lastWeekOut = weekOfUncached(iso);
  lastWeekIn = iso;
  return lastWeekOut;
}
let lastWeekIn: string | null = null;
let lastWeekOut = '';

function weekOfUncached(iso: string): string {
  const d = new Date(iso);
  const day = d.getUTCDay(); // 0 = Sunday
  const back = (day + 6) % 7;
  const monday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - back));
  return monday.toISOString().slice(0, 10);
}

export function requireId(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new Error(`${where}: expected a non-empty string id`);
  if (value.length > 500) throw new Error(`${where}: id is longer than 500 characters`);
  return value;
}

/** A value for a filter: only strings reach a query, whatever the caller passed. */
export function filterString(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${where}: expected a string`);
}

/** A list of ids for a lookup: only strings reach a query. */
export function filterStrings(values: unknown, where: string): string[] {
  if (!Array.isArray(values)) throw new Error(`${where}: expected a list of ids`);
  return values.map((x, i) => filterString(x, `${where}[${i}]`));
}

export function pageOf(page: { limit: number; offset: number }): { limit: number; offset: number } {
  const limit = Math.trunc(Number(page?.limit));
  const offset = Math.trunc(Number(page?.offset ?? 0));
  if (!Number.isFinite(limit) || limit < 0) throw new Error('page.limit: expected a non-negative number');
  if (!Number.isFinite(offset) || offset < 0) throw new Error('page.offset: expected a non-negative number');
  return { limit: Math.min(limit, 100_000), offset };
}

/** Columns the stores index for lists and filters, read from the account's fields. */
export function accountColumns(fields: Record<string, unknown>): { name: string | null; owner: string | null; tier: string | null; segment: string | null } {
  const s = (v: unknown) => (v === undefined || v === null || v === '' ? null : String(v));
  return { name: s(fields.name), owner: s(fields.owner), tier: s(fields.tier), segment: s(fields.segment) };
}

export function validateUpsert(item: AccountUpsert, index: number): void {
  const where = `accounts[${index}]`;
  if (!item || typeof item !== 'object') throw new Error(`${where}: expected an object`);
  requireId(item.id, `${where}.id`);
  if (item.fields !== undefined && (typeof item.fields !== 'object' || item.fields === null || Array.isArray(item.fields))) {
    throw new Error(`${where}.fields: expected an object`);
  }
  if (item.fields) {
    for (const key of Object.keys(item.fields)) {
      // Field names come from the data dictionary; these characters would be read as paths or operators by MongoDB.
      if (key.includes('.') || key.startsWith('$') || key === '__proto__') throw new Error(`${where}.fields: field name "${key}" is not allowed`);
    }
  }
  if (item.tags !== undefined && (!Array.isArray(item.tags) || item.tags.some((t) => typeof t !== 'string'))) {
    throw new Error(`${where}.tags: expected a list of strings`);
  }
  if (item.flags !== undefined && (typeof item.flags !== 'object' || item.flags === null || Array.isArray(item.flags) || Object.values(item.flags).some((v) => typeof v !== 'boolean'))) {
    throw new Error(`${where}.flags: expected an object of booleans`);
  }
}

/** A task with a patch applied (only the keys given change). */
export function applyTaskPatch(task: Task, patch: TaskPatch): Task {
  const next: Task = { ...task, updatedAt: patch.updatedAt };
  if (patch.status !== undefined) next.status = patch.status;
  if (patch.owner !== undefined) next.owner = patch.owner;
  if (patch.flaggedRed !== undefined) next.flaggedRed = patch.flaggedRed;
  if (patch.snoozedUntil !== undefined) next.snoozedUntil = patch.snoozedUntil;
  if (patch.completedAt !== undefined) next.completedAt = patch.completedAt;
  if (patch.closedReason !== undefined) next.closedReason = patch.closedReason;
  if (patch.steps !== undefined) next.steps = patch.steps;
  return next;
}

/** Deterministic ids for history rows, so a re-run of the same evaluation adds nothing. */
export function stageChangeId(accountId: string, journeyId: string, at: string, to: string): string {
  return `${accountId}\u0000${journeyId}\u0000${at}\u0000${to}`;
}
export function healthSnapshotId(accountId: string, at: string): string {
  return `${accountId}\u0000${at}`;
}
