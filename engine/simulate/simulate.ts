/**
 * Simulation: the real evaluate() on a virtual clock, per account, so a preview shows exactly
 * what the engine would do. Events are delivered at their times; an account is looked at again
 * when its nextWakeAt comes (as the worker would); tasks stay open unless completeTasksAfterDue
 * is set, in which case each is completed on its due date (so task-done waits proceed).
 * Pure: no clock, no I/O - it runs in the browser for the editor's preview.
 */
import type { Account, AccountEvent, AccountState, Instance, PathStep, Task } from '../types.js';
import type { TaskType } from '../schema/definitions.js';
import type { CompiledLibrary } from '../runtime/compile.js';
import { evaluate } from '../runtime/evaluate.js';
import { DAY_MS } from '../runtime/context.js';

export interface SimulationOptions {
  accounts: Account[];
  events?: AccountEvent[];
  /** ISO time the simulation starts. */
  start: string;
  days: number;
  /** Clock step between looks at an account (default 24). */
  stepHours?: number;
  /** Owner id -> display name, for the forecast. */
  owners?: Record<string, string>;
  /** Complete each task on its due date, so task-done waits take their "done" branch. Default false. */
  completeTasksAfterDue?: boolean;
  /** Only report runs and tasks of these playbooks (all playbooks still run). */
  playbooks?: string[];
  /** Starting engine state per account id (default: never evaluated). */
  states?: Record<string, AccountState>;
  /** Active instances and open tasks to start from (e.g. production state). */
  instances?: Instance[];
  tasks?: Task[];
}

export interface SimulatedTask {
  id: string;
  title: string;
  type: TaskType;
  priority: Task['priority'];
  owner: string;
  playbookId: string;
  playbookVersion: number;
  nodeId: string;
  createdAt: string;
  dueAt: string;
  status: Task['status'];
  reasonText: string;
  email: Task['email'];
  /** How many times an open task was refreshed instead of duplicated. */
  refreshed: number;
}

export interface SimulatedRun {
  instanceId: string;
  playbookId: string;
  version: number;
  occurrence: string;
  status: Instance['status'];
  startedAt: string;
  endedAt: string | null;
  endReason: string | null;
  waitingAt: string | null;
  wakeAt: string | null;
  path: PathStep[];
}

export interface SimulatedAccount {
  accountId: string;
  name: string;
  owner: string | null;
  runs: SimulatedRun[];
  stageChanges: { journeyId: string; from: string | null; to: string; at: string; reasonText: string }[];
  tasks: SimulatedTask[];
  health: { score: number; color: string } | null;
  evaluations: number;
  incident: string | null;
}

export interface PlaybookSummary {
  playbookId: string;
  name: string;
  /** Runs started, and distinct accounts that started one. */
  runs: number;
  accounts: number;
  completed: number;
  exited: number;
  active: number;
  /** Distinct accounts that reached each node (node id -> count); "trigger" is the start. */
  entered: Record<string, number>;
  /** Accounts per outcome at each node, e.g. { "is-tier-1": { "yes": 3, "no": 9 } }. */
  outcomes: Record<string, Record<string, number>>;
  tasks: number;
}

export interface SimulationReport {
  start: string;
  end: string;
  days: number;
  stepHours: number;
  evaluations: number;
  accounts: SimulatedAccount[];
  playbooks: PlaybookSummary[];
  tasksCreated: number;
  tasksRefreshed: number;
  tasksClosed: number;
  tasksByType: Record<string, number>;
  tasksByPlaybook: Record<string, number>;
  stageChanges: number;
  /** Tasks created per owner per ISO week (e.g. 2026-W48). */
  forecast: { weeks: string[]; owners: { owner: string; name: string; total: number; weeks: Record<string, number> }[] };
  incidents: { accountId: string; message: string }[];
}

/** ISO-8601 week of a time, e.g. "2026-W48". */
export function isoWeek(iso: string): string {
  const d = new Date(Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day); // the Thursday of this week decides the year
  const year = d.getUTCFullYear();
  const week = Math.ceil(((d.getTime() - Date.UTC(year, 0, 1)) / DAY_MS + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

interface AccountSim {
  account: Account;
  state: AccountState | null;
  active: Map<string, Instance>;
  runs: Map<string, Instance>;
  tasks: Map<string, Task>;
  refreshed: Map<string, number>;
  stageChanges: SimulatedAccount['stageChanges'];
  evaluations: number;
  incident: string | null;
}

function simulateAccount(lib: CompiledLibrary, account: Account, events: AccountEvent[], opts: SimulationOptions, startMs: number, endMs: number, stepMs: number): AccountSim {
  const sim: AccountSim = {
    account, state: opts.states?.[account.id] ?? null, active: new Map(), runs: new Map(), tasks: new Map(), refreshed: new Map(),
    stageChanges: [], evaluations: 0, incident: null,
  };
  for (const i of opts.instances ?? []) if (i.accountId === account.id && i.status === 'active') sim.active.set(i.id, i);
  for (const t of opts.tasks ?? []) if (t.accountId === account.id) sim.tasks.set(t.id, t);

  let wake = startMs;
  let lastNow = startMs;
  let ei = 0;
  const run = (nowMs: number, event?: AccountEvent) => {
    const now = new Date(nowMs).toISOString();
    const referenced = new Set<string>();
    for (const i of sim.active.values()) for (const id of Object.values(i.tasks)) referenced.add(id);
    const tasks: Task[] = [];
    for (const t of sim.tasks.values()) if (t.status === 'open' || referenced.has(t.id)) tasks.push(t);
    let r;
    try {
      r = evaluate(lib, { account: sim.account, state: sim.state, instances: [...sim.active.values()], tasks, event, now });
    } catch (e) {
      sim.incident = `${now}: ${(e as Error).message}`;
      wake = Infinity;
      return;
    }
    sim.evaluations++;
    lastNow = nowMs;
    sim.account = r.account;
    sim.state = r.state;
    for (const i of r.instances) {
      sim.runs.set(i.id, i);
      if (i.status === 'active') sim.active.set(i.id, i);
      else sim.active.delete(i.id);
    }
    for (const e of r.effects) {
      if (e.kind === 'createTask') {
        if (!sim.tasks.has(e.task.id)) sim.tasks.set(e.task.id, e.task);
      } else if (e.kind === 'updateTask') {
        const t = sim.tasks.get(e.taskId);
        if (t) sim.tasks.set(t.id, { ...t, ...e.changes, updatedAt: e.at });
        sim.refreshed.set(e.taskId, (sim.refreshed.get(e.taskId) ?? 0) + 1);
      } else if (e.kind === 'closeTask') {
        const t = sim.tasks.get(e.taskId);
        if (t && t.status === 'open') sim.tasks.set(t.id, { ...t, status: 'closed', closedReason: e.reason, updatedAt: e.at });
      } else if (e.kind === 'stageChanged') {
        const c = e.change;
        sim.stageChanges.push({ journeyId: c.journeyId, from: c.from, to: c.to, at: c.at, reasonText: c.reasonText });
      }
    }
    wake = r.nextWakeAt === null ? Infinity : Date.parse(r.nextWakeAt);
  };

  for (let T = startMs; T <= endMs; T += stepMs) {
    while (ei < events.length && Date.parse(events[ei].occurredAt) <= T) {
      const ev = events[ei++];
      run(Math.max(Date.parse(ev.occurredAt), lastNow, startMs), ev);
      if (sim.incident) return sim;
    }
    if (opts.completeTasksAfterDue) {
      for (const t of sim.tasks.values()) {
        if (t.status === 'open' && Date.parse(t.dueAt) <= T) {
          sim.tasks.set(t.id, { ...t, status: 'done', completedAt: t.dueAt, updatedAt: t.dueAt });
          wake = Math.min(wake, T);
        }
      }
    }
    if (wake <= T) run(T);
    if (sim.incident) return sim;
  }
  return sim;
}

export function simulate(lib: CompiledLibrary, opts: SimulationOptions): SimulationReport {
  const startMs = Date.parse(opts.start);
  if (!Number.isFinite(startMs)) throw new Error(`simulate: start must be an ISO-8601 time, got ${JSON.stringify(opts.start)}`);
  if (!(opts.days > 0) || opts.days > 3660) throw new Error(`simulate: days must be between 1 and 3660, got ${opts.days}`);
  const stepHours = opts.stepHours ?? 24;
  if (!(stepHours > 0)) throw new Error(`simulate: stepHours must be positive, got ${stepHours}`);
  const stepMs = stepHours * 3_600_000;
  const endMs = startMs + opts.days * DAY_MS;
  const include = opts.playbooks ? new Set(opts.playbooks) : null;
  const wanted = (id: string) => include === null || include.has(id);

  const byAccount = new Map<string, AccountEvent[]>();
  for (const e of opts.events ?? []) {
    const list = byAccount.get(e.accountId) ?? [];
    list.push(e);
    byAccount.set(e.accountId, list);
  }
  for (const list of byAccount.values()) list.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const report: SimulationReport = {
    start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString(), days: opts.days, stepHours, evaluations: 0,
    accounts: [], playbooks: [], tasksCreated: 0, tasksRefreshed: 0, tasksClosed: 0, tasksByType: {}, tasksByPlaybook: {}, stageChanges: 0,
    forecast: { weeks: [], owners: [] }, incidents: [],
  };
  const summaries = new Map<string, PlaybookSummary & { accountSet: Set<string>; nodeSets: Map<string, Set<string>>; outcomeSets: Map<string, Map<string, Set<string>>> }>();
  for (const id of [...lib.playbooks.keys()].sort()) {
    if (!wanted(id)) continue;
    summaries.set(id, {
      playbookId: id, name: lib.playbooks.get(id)!.latest.def.name, runs: 0, accounts: 0, completed: 0, exited: 0, active: 0, entered: {}, outcomes: {}, tasks: 0,
      accountSet: new Set(), nodeSets: new Map(), outcomeSets: new Map(),
    });
  }
  const forecast = new Map<string, Map<string, number>>();
  const weeks = new Set<string>();

  for (const account of opts.accounts) {
    const sim = simulateAccount(lib, account, byAccount.get(account.id) ?? [], opts, startMs, endMs, stepMs);
    report.evaluations += sim.evaluations;
    report.stageChanges += sim.stageChanges.length;
    if (sim.incident) report.incidents.push({ accountId: account.id, message: sim.incident });
    const runs: SimulatedRun[] = [];
    for (const i of [...sim.runs.values()].sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.id < b.id ? -1 : 1))) {
      if (!wanted(i.playbookId)) continue;
      runs.push({
        instanceId: i.id, playbookId: i.playbookId, version: i.version, occurrence: i.occurrence, status: i.status, startedAt: i.startedAt,
        endedAt: i.endedAt, endReason: i.endReason ?? i.incident?.message ?? null, waitingAt: i.status === 'active' ? i.nodeId : null, wakeAt: i.wakeAt, path: i.path,
      });
      const s = summaries.get(i.playbookId);
      if (!s) continue;
      s.runs++;
      s.accountSet.add(account.id);
      if (i.status === 'completed') s.completed++;
      else if (i.status === 'exited') s.exited++;
      else if (i.status === 'active') s.active++;
      for (const p of i.path) {
        if (p.outcome === 'migrated') continue;
        let set = s.nodeSets.get(p.nodeId);
        if (!set) s.nodeSets.set(p.nodeId, (set = new Set()));
        set.add(account.id);
        const outcome = p.outcome.startsWith('waiting until') ? 'waiting' : p.outcome;
        let byOutcome = s.outcomeSets.get(p.nodeId);
        if (!byOutcome) s.outcomeSets.set(p.nodeId, (byOutcome = new Map()));
        let oset = byOutcome.get(outcome);
        if (!oset) byOutcome.set(outcome, (oset = new Set()));
        oset.add(account.id);
      }
    }
    const tasks: SimulatedTask[] = [];
    const startIds = new Set((opts.tasks ?? []).map((t) => t.id));
    for (const t of sim.tasks.values()) {
      const refreshed = sim.refreshed.get(t.id) ?? 0;
      report.tasksRefreshed += refreshed;
      if (t.status === 'closed') report.tasksClosed++;
      if (startIds.has(t.id) || !wanted(t.playbookId)) continue;
      tasks.push({
        id: t.id, title: t.title, type: t.type, priority: t.priority, owner: t.owner, playbookId: t.playbookId, playbookVersion: t.playbookVersion,
        nodeId: t.nodeId, createdAt: t.createdAt, dueAt: t.dueAt, status: t.status, reasonText: t.reasonText, email: t.email, refreshed,
      });
      report.tasksCreated++;
      report.tasksByType[t.type] = (report.tasksByType[t.type] ?? 0) + 1;
      report.tasksByPlaybook[t.playbookId] = (report.tasksByPlaybook[t.playbookId] ?? 0) + 1;
      const s = summaries.get(t.playbookId);
      if (s) s.tasks++;
      const w = isoWeek(t.createdAt);
      weeks.add(w);
      let perOwner = forecast.get(t.owner);
      if (!perOwner) forecast.set(t.owner, (perOwner = new Map()));
      perOwner.set(w, (perOwner.get(w) ?? 0) + 1);
    }
    tasks.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
    const owner = typeof sim.account.fields.owner === 'string' ? sim.account.fields.owner : null;
    const h = sim.state?.health ?? null;
    report.accounts.push({
      accountId: account.id, name: typeof sim.account.fields.name === 'string' ? sim.account.fields.name : account.id, owner, runs,
      stageChanges: sim.stageChanges, tasks, health: h ? { score: h.score, color: h.color } : null, evaluations: sim.evaluations, incident: sim.incident,
    });
  }

  for (const s of summaries.values()) {
    const { accountSet, nodeSets, outcomeSets, ...rest } = s;
    rest.accounts = accountSet.size;
    for (const [node, set] of nodeSets) rest.entered[node] = set.size;
    for (const [node, m] of outcomeSets) {
      rest.outcomes[node] = {};
      for (const [o, set] of m) rest.outcomes[node][o] = set.size;
    }
    report.playbooks.push(rest);
  }
  report.forecast.weeks = [...weeks].sort();
  report.forecast.owners = [...forecast.entries()]
    .map(([owner, m]) => {
      const w: Record<string, number> = {};
      let total = 0;
      for (const k of [...m.keys()].sort()) {
        w[k] = m.get(k)!;
        total += w[k];
      }
      return { owner, name: opts.owners?.[owner] ?? owner, total, weeks: w };
    })
    .sort((a, b) => b.total - a.total || (a.owner < b.owner ? -1 : 1));
  return report;
}
