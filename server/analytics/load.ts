/**
 * Reads what the analytics need from the store, with the store doing the filtering
 * (owner, tier, segment, date ranges), and shapes it for the pure computations.
 */
import type { Store, AccountFilter, AccountRecord, TaskFilter } from '../store/types.js';
import type { Task } from '../../engine/types.js';
import type { HealthColor } from '../../engine/schema/definitions.js';

const PAGE = 2000;

export interface BookFilter { owner?: string; tier?: string; segment?: string }

export function hasBookFilter(f: BookFilter): boolean {
  return Boolean(f.owner || f.tier || f.segment);
}

export async function loadAccounts(store: Store, filter: BookFilter): Promise<AccountRecord[]> {
  const f: AccountFilter = {};
  if (filter.owner) f.owner = filter.owner;
  if (filter.tier) f.tier = filter.tier;
  if (filter.segment) f.segment = filter.segment;
  const out: AccountRecord[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.listAccounts(f, { limit: PAGE, offset });
    out.push(...page.items);
    if (page.items.length < PAGE || out.length >= page.total) break;
  }
  return out;
}

export async function loadTasks(store: Store, filter: TaskFilter): Promise<Task[]> {
  const out: Task[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.listTasks(filter, { limit: PAGE, offset }, 'created');
    out.push(...page.items);
    if (page.items.length < PAGE || out.length >= page.total) break;
  }
  return out;
}

export function num(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : 0;
}

export function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function iso(v: unknown): string | null {
  if (typeof v !== 'string' || v === '') return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

export function isChurned(r: AccountRecord): boolean {
  return r.account.fields.churned === true || iso(r.account.fields.churnedAt) !== null;
}

export function churnedAt(r: AccountRecord): string | null {
  const at = iso(r.account.fields.churnedAt);
  if (at) return at;
  // Churned without a date: count it when the record last changed.
  return r.account.fields.churned === true ? r.updatedAt : null;
}

export function startedAt(r: AccountRecord): string | null {
  return iso(r.account.fields.contractStartDate) ?? iso(r.createdAt);
}

export function healthColor(r: AccountRecord): HealthColor | null {
  return r.state?.health?.color ?? null;
}

export function stageOf(r: AccountRecord, journeyId: string): { stage: string | null; enteredAt: string | null } {
  const p = r.state?.journeys?.[journeyId];
  return p ? { stage: p.stage, enteredAt: p.enteredAt } : { stage: null, enteredAt: null };
}
