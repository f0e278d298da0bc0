import type { HealthCoverage } from '../../../engine/health/compute.js';
/** Response shapes of the REST API as the web app reads them (docs/ARCHITECTURE.md). */
import type { Account, AccountState, Health, Instance, Task, TimelineEntry } from '../../../engine/types.js';

export type { Account, AccountState, Health, Instance, Task, TimelineEntry };

export interface QueueAccount { id: string; name: string; tier?: string; mrr?: number; renewalDate?: string }
export type QueueTask = Task & { account: QueueAccount; playbookName?: string; /** By the server's clock. */ overdue?: boolean };

/** The queue's counts (before the type/priority/due filters): due windows, by type, by priority. */
export interface FacetCounts {
  total?: number; overdue?: number; today?: number; week?: number; flagged?: number;
  byType?: Record<string, number>; byPriority?: Record<string, number>;
}

export interface QueueResponse { items: QueueTask[]; total: number; counts?: FacetCounts }

export interface TaskDetail {
  task: Task;
  account: Account | { account: Account } | null;
  health: Health | null;
  /** The email rendered with the account's data (plain text body), and as escaped HTML. */
  email?: { to?: string; subject: string; body: string } | null;
  emailHtml: string | null;
  playbook: { id: string; name: string; version?: number } | null;
  state?: AccountState | null;
  timeline?: TimelineEntry[];
}

export interface AccountDetail {
  account: Account;
  state: AccountState | null;
  health: Health | null;
  openTasks: Task[];
  pastTasks: Task[];
  timeline: TimelineEntry[] | { items: TimelineEntry[]; total: number };
  instances: Instance[];
  healthHistory?: Health[];
  /** Evaluated but not scored: the measures that had no value (the server works it out with the engine). */
  healthCoverage?: HealthCoverage | null;
  timelineTotal?: number;
}

/** /api/accounts rows: AccountRecord (account + state) or a flattened account, read defensively. */
export interface AccountRow {
  account?: Account;
  state?: AccountState | null;
  id?: string;
  fields?: Record<string, unknown>;
  health?: Health | null;
  [k: string]: unknown;
}

export interface UserSummary { id: string; name: string; email: string; roles: string[]; teamRole?: string }

/** The account inside a row, whatever way the server nests it. */
export function rowAccount(row: AccountRow): Account {
  if (row.account && typeof row.account === 'object') return row.account;
  return { id: String(row.id ?? ''), fields: (row.fields as Record<string, unknown>) ?? {}, tags: (row.tags as string[]) ?? [], flags: (row.flags as Record<string, boolean>) ?? {} };
}

export function accountName(a: Account | null | undefined): string {
  if (!a) return '—';
  const n = a.fields?.name;
  return typeof n === 'string' && n ? n : a.id;
}
