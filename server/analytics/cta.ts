/**
 * CTA volume: tasks created per week (or month) by type, and per owner.
 */
import type { TaskType } from '../../engine/schema/definitions.js';

export interface CtaTask {
  createdAt: string;
  type: TaskType;
  owner: string;
  status: string;
}

export type Interval = 'week' | 'month';
export const TASK_TYPES: TaskType[] = ['risk', 'opportunity', 'lifecycle', 'activity'];

/** The Monday (UTC) that starts the week of a time, 'YYYY-MM-DD'. */
export function weekStart(iso: string): string {
  const d = new Date(iso);
  const back = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - back)).toISOString().slice(0, 10);
}

export function monthStart(iso: string): string {
  return `${iso.slice(0, 7)}-01`;
}

/** Every bucket key from the one holding `from` to the one holding `to`, so empty periods show as zero. */
export function buckets(fromIso: string, toIso: string, interval: Interval): string[] {
  const out: string[] = [];
  if (interval === 'week') {
    let t = Date.parse(weekStart(fromIso) + 'T00:00:00Z');
    const end = Date.parse(weekStart(toIso) + 'T00:00:00Z');
    for (; t <= end; t += 7 * 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  } else {
    const d = new Date(monthStart(fromIso) + 'T00:00:00Z');
    const end = monthStart(toIso);
    while (d.toISOString().slice(0, 10) <= end) {
      out.push(d.toISOString().slice(0, 10));
      d.setUTCMonth(d.getUTCMonth() + 1);
    }
  }
  return out;
}

export interface CtaVolumeReport {
  from: string;
  to: string;
  interval: Interval;
  total: number;
  byType: Record<TaskType, number>;
  periods: { start: string; total: number; byType: Record<TaskType, number> }[];
  owners: { owner: string; total: number; open: number; byType: Record<TaskType, number> }[];
}

const zero = (): Record<TaskType, number> => ({ risk: 0, opportunity: 0, lifecycle: 0, activity: 0 });

/** Tasks created from `from` to `to`, both inclusive. */
export function computeCtaVolume(tasks: CtaTask[], fromIso: string, toIso: string, interval: Interval): CtaVolumeReport {
  const keyOf = interval === 'week' ? weekStart : monthStart;
  const periods = new Map(buckets(fromIso, toIso, interval).map((k) => [k, { start: k, total: 0, byType: zero() }]));
  const owners = new Map<string, { owner: string; total: number; open: number; byType: Record<TaskType, number> }>();
  const byType = zero();
  let total = 0;
  for (const t of tasks) {
    if (t.createdAt < fromIso || t.createdAt > toIso) continue;
    total++;
    byType[t.type] = (byType[t.type] ?? 0) + 1;
    const p = periods.get(keyOf(t.createdAt));
    if (p) {
      p.total++;
      p.byType[t.type] = (p.byType[t.type] ?? 0) + 1;
    }
    let o = owners.get(t.owner);
    if (!o) owners.set(t.owner, (o = { owner: t.owner, total: 0, open: 0, byType: zero() }));
    o.total++;
    if (t.status === 'open') o.open++;
    o.byType[t.type] = (o.byType[t.type] ?? 0) + 1;
  }
  return {
    from: fromIso, to: toIso, interval, total, byType,
    periods: [...periods.values()],
    owners: [...owners.values()].sort((a, b) => b.total - a.total || a.owner.localeCompare(b.owner)),
  };
}
