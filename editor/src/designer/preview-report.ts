/**
 * Reads the preview route's SimulationReport into what the designer shows: the path of one
 * account, accounts per node, the tasks, and the forecast per owner per week. The reader
 * accepts the report's documented parts under the names the engine may give them, so a
 * renamed key degrades to "nothing to show" rather than a crash.
 */
export interface PathStepView { nodeId: string; outcome: string; detail: string; at: string }
export interface TaskView { accountId: string; accountName: string; title: string; type: string; priority: string; owner: string; dueAt: string; nodeId: string }
export interface ForecastRow { week: string; [owner: string]: number | string }

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

function first(o: Obj, keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined) return o[k];
  return undefined;
}

function toSteps(v: unknown): PathStepView[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).map((s) => ({ nodeId: str(s.nodeId ?? s.node), outcome: str(s.outcome), detail: str(s.detail ?? s.reason), at: str(s.at) }));
}

/** Steps of each account's path, by account id. */
export function accountPaths(report: unknown): Map<string, PathStepView[]> {
  const out = new Map<string, PathStepView[]>();
  if (!isObj(report)) return out;
  const src = first(report, ['paths', 'accountPaths', 'perAccount', 'accounts']);
  if (Array.isArray(src)) {
    for (const a of src.filter(isObj)) {
      const id = str(a.accountId ?? a.id);
      const steps = first(a, ['path', 'steps', 'nodes']);
      if (id) out.set(id, [...(out.get(id) ?? []), ...toSteps(steps)]);
      // Several runs per account may be listed as runs: [{ path }]
      if (Array.isArray(a.runs)) for (const r of a.runs.filter(isObj)) out.set(id, [...(out.get(id) ?? []), ...toSteps(first(r, ['path', 'steps']))]);
    }
  } else if (isObj(src)) {
    for (const [id, v] of Object.entries(src)) out.set(id, toSteps(Array.isArray(v) ? v : isObj(v) ? first(v, ['path', 'steps']) : []));
  }
  return out;
}

/** Accounts that reached each node. */
export function nodeCounts(report: unknown): Record<string, number> {
  if (!isObj(report)) return {};
  const src = first(report, ['enteredByNode', 'entered', 'enteredPerNode', 'nodeCounts', 'perNode', 'nodes']);
  const out: Record<string, number> = {};
  if (Array.isArray(src)) {
    for (const n of src.filter(isObj)) out[str(n.nodeId ?? n.id)] = Number(n.count ?? n.entered ?? n.accounts ?? 0);
  } else if (isObj(src)) {
    for (const [k, v] of Object.entries(src)) out[k] = typeof v === 'number' ? v : Number((v as Obj)?.count ?? (v as Obj)?.entered ?? 0);
  }
  if (out.trigger === undefined && typeof report.triggered === 'number') out.trigger = report.triggered;
  return out;
}

export function taskList(report: unknown): TaskView[] {
  if (!isObj(report)) return [];
  const src = first(report, ['tasks', 'tasksCreated', 'createdTasks']);
  if (!Array.isArray(src)) return [];
  return src.filter(isObj).map((t) => ({
    accountId: str(t.accountId), accountName: str(t.accountName ?? (isObj(t.account) ? t.account.name : '') ?? ''),
    title: str(t.title), type: str(t.type), priority: str(t.priority), owner: str(t.ownerName ?? t.owner),
    dueAt: str(t.dueAt), nodeId: str(t.nodeId),
  }));
}

/** Rows for a stacked bar chart: one row per week, one key per owner. */
export function forecastRows(report: unknown, ownerNames: Record<string, string> = {}): { rows: ForecastRow[]; owners: string[] } {
  if (!isObj(report)) return { rows: [], owners: [] };
  const src = first(report, ['forecast', 'forecastByOwnerWeek', 'forecastPerOwnerWeek', 'load']);
  const cells: { owner: string; week: string; count: number }[] = [];
  const name = (o: string) => ownerNames[o] ?? o;
  if (Array.isArray(src)) {
    for (const c of src.filter(isObj)) {
      if (isObj(c.owners) || isObj(c.byOwner)) {
        const per = (c.owners ?? c.byOwner) as Obj;
        for (const [o, n] of Object.entries(per)) cells.push({ owner: name(o), week: str(c.week ?? c.weekStart), count: Number(n) });
      } else {
        cells.push({ owner: name(str(c.ownerName ?? c.owner)), week: str(c.week ?? c.weekStart), count: Number(c.count ?? c.tasks ?? 0) });
      }
    }
  } else if (isObj(src)) {
    for (const [o, weeks] of Object.entries(src)) if (isObj(weeks)) for (const [w, n] of Object.entries(weeks)) cells.push({ owner: name(o), week: w, count: Number(n) });
  }
  const owners = [...new Set(cells.map((c) => c.owner))].sort();
  const weeks = [...new Set(cells.map((c) => c.week))].sort();
  const rows = weeks.map((w) => {
    const row: ForecastRow = { week: w.slice(0, 10) };
    for (const o of owners) row[o] = 0;
    for (const c of cells) if (c.week === w) row[c.owner] = (row[c.owner] as number) + c.count;
    return row;
  });
  return { rows, owners };
}
