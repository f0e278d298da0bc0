/**
 * Reads the preview route's SimulationReport (engine/simulate) into what the designer shows:
 * one account's path, accounts per node (or per journey stage), the tasks, and the forecast
 * task load per owner per ISO week. Missing parts read as empty so a partial report still shows.
 */
import type { SimulationReport } from '../../../engine/simulate/index.js';

export interface PathStepView { nodeId: string; outcome: string; detail: string; at: string }
export interface TaskView { accountId: string; accountName: string; title: string; type: string; priority: string; owner: string; dueAt: string; nodeId: string }
export interface ForecastRow { week: string; [owner: string]: number | string }

type Report = Partial<SimulationReport>;

/** The steps of one account's runs of this playbook, in time order (a new run starts at the trigger). */
export function accountPath(report: Report, accountId: string, playbookId: string): PathStepView[] {
  const acc = report.accounts?.find((a) => a.accountId === accountId);
  if (!acc) return [];
  return acc.runs
    .filter((r) => r.playbookId === playbookId)
    .flatMap((r) => r.path.map((s) => ({ nodeId: s.nodeId, outcome: s.outcome ?? '', detail: s.detail ?? '', at: s.at ?? '' })));
}

/** The stage changes of one account in a journey preview, as path steps on stage nodes. */
export function accountStages(report: Report, accountId: string, journeyId: string): PathStepView[] {
  const acc = report.accounts?.find((a) => a.accountId === accountId);
  return (acc?.stageChanges ?? []).filter((c) => c.journeyId === journeyId)
    .map((c) => ({ nodeId: c.to, outcome: c.from ? `from ${c.from}` : 'entered', detail: c.reasonText, at: c.at }));
}

/** Accounts reaching each node of a playbook, or entering each stage of a journey. */
export function nodeCounts(report: Report, doc: { kind: string; id: string }): Record<string, number> {
  if (doc.kind === 'playbook') return { ...(report.playbooks?.find((p) => p.playbookId === doc.id)?.entered ?? {}) };
  const per = new Map<string, Set<string>>();
  for (const a of report.accounts ?? []) for (const c of a.stageChanges) if (c.journeyId === doc.id) {
    const s = per.get(c.to) ?? new Set<string>();
    s.add(a.accountId);
    per.set(c.to, s);
  }
  return Object.fromEntries([...per].map(([k, v]) => [k, v.size]));
}

export function taskList(report: Report, playbookId?: string, ownerNames: Record<string, string> = {}): TaskView[] {
  const out: TaskView[] = [];
  for (const a of report.accounts ?? []) for (const t of a.tasks) {
    if (playbookId && t.playbookId !== playbookId) continue;
    out.push({ accountId: a.accountId, accountName: a.name, title: t.title, type: t.type, priority: t.priority, owner: ownerNames[t.owner] ?? t.owner, dueAt: t.dueAt, nodeId: t.nodeId });
  }
  return out.sort((x, y) => x.dueAt.localeCompare(y.dueAt));
}

/** Rows for a stacked bar chart: one row per week, one key per owner name. */
export function forecastRows(report: Report): { rows: ForecastRow[]; owners: string[] } {
  const f = report.forecast;
  if (!f) return { rows: [], owners: [] };
  const owners = f.owners.map((o) => o.name || o.owner);
  const rows = f.weeks.map((w) => {
    const row: ForecastRow = { week: w };
    f.owners.forEach((o, i) => { row[owners[i]] = (row[owners[i]] as number | undefined ?? 0) + (o.weeks[w] ?? 0); });
    return row;
  });
  return { rows, owners: [...new Set(owners)] };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-W47" -> "Week of 16 Nov" (the ISO week's Monday, UTC); anything else is returned as is. */
export function weekLabel(week: string): string {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) return week;
  // ISO week 1 is the week with 4 January in it; weeks start on Monday.
  const jan4 = Date.UTC(Number(m[1]), 0, 4);
  const jan4Dow = (new Date(jan4).getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  const monday = new Date(jan4 + ((Number(m[2]) - 1) * 7 - jan4Dow) * 86_400_000);
  return `Week of ${monday.getUTCDate()} ${MONTHS[monday.getUTCMonth()]}`;
}

/**
 * The whole-book headline: how many of the simulated accounts enter (a playbook: accounts that
 * start a run, and the runs) or move (a journey: accounts with a stage change), then the tasks.
 */
export function bookSummary(report: Report & { accountsSimulated?: number }, doc: { kind: string; id: string }, tasks: { type: string }[]): string {
  const simulated = report.accountsSimulated ?? report.accounts?.length ?? 0;
  const plural = (n: number, one: string, many = one + 's') => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
  let head: string;
  if (doc.kind === 'playbook') {
    const p = report.playbooks?.find((x) => x.playbookId === doc.id);
    const entering = p?.accounts ?? 0;
    head = `Of ${plural(simulated, 'account')}, ${entering.toLocaleString('en-US')} would enter${p && p.runs !== entering ? ` (${plural(p.runs, 'run')})` : ''}`;
  } else {
    const moving = (report.accounts ?? []).filter((a) => a.stageChanges?.some((c) => c.journeyId === doc.id)).length;
    head = `Of ${plural(simulated, 'account')}, ${moving.toLocaleString('en-US')} would enter or change a stage`;
  }
  const byType: Record<string, number> = {};
  for (const t of tasks) byType[t.type] = (byType[t.type] ?? 0) + 1;
  const types = Object.entries(byType).map(([k, v]) => `${v} ${k}`).join(', ');
  return `${head}; ${plural(tasks.length, 'task')} would be created${types ? ` (${types})` : ''}.`;
}
