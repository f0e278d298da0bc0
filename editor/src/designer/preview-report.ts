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
