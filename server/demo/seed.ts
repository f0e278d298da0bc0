/**
 * Seeds the demo book: ~600 accounts and a year of history.
 *
 * How, and why this way:
 * 1. The year is played account by account on a virtual clock with the worker's own
 *    evaluation function (evaluateBundle, the code the worker runs per claim): events at
 *    their times, a look at least weekly, CSMs completing their tasks (most around the due
 *    date, some weeks or months late), renewals decided from the account's health on the renewal day. So stage
 *    changes, health history, tasks, renewals and churn are real engine output with real
 *    timestamps.
 * 2. The data (account records and events) is then posted day by day through the same
 *    ingest functions as POST /api/accounts/bulk and /api/events (ingestAccounts,
 *    ingestEvents) on a ManualClock stepping through the year.
 * 3. Each account is claimed like the worker does and its year committed in one
 *    commitEvaluation (all effects carry their own times); task completions are then
 *    written with store.updateTask as the task routes do.
 * Driving the store-backed worker step by step instead costs ~3-4 ms per evaluation on the
 * 2-core machine (load + commit), ~30,000 evaluations for a weekly-stepped year of 600
 * accounts: minutes, not seconds. Evaluating in memory and committing once keeps the
 * seed in seconds with the same engine output.
 * Runs once per store (meta flag "demo.seeded").
 */
import type { ServerContext } from '../context.js';
import type { Account, AccountEvent, AccountState, Effect, Instance, Task, TimelineEntry } from '../../engine/types.js';
import type { AccountUpsert, Claim } from '../store/types.js';
import { ManualClock } from '../clock.js';
import { evaluateBundle } from '../worker.js';
import { checkAccountRecords, ingestAccounts } from '../ingest/accounts.js';
import { ingestEvents } from '../ingest/events.js';
import { dictionaryOf } from '../ingest/dictionary.js';
import { DAY, planBook, type DemoAccount, type PlanItem } from './book.js';
import { Rng } from './random.js';
import { DEMO_USERS } from '../auth/demo-users.js';
import { DEMO_SEEDED_KEY, claimDemoSeed } from './seed-claim.js';

/** Who works a role queue in the demo: the user with that team role (the CS manager by default). */
function queueHolder(owner: string): string {
  const teamRole = owner.slice('role:'.length);
  return DEMO_USERS.find((u) => u.teamRole === teamRole)?.id ?? 'admin';
}

export { DEMO_SEEDED_KEY } from './seed-claim.js';

export interface SeedOptions {
  accounts?: number;
  seed?: number;
  /** Progress lines (default: console.log). */
  log?: (msg: string) => void;
  /** Who seeds, recorded in the store's seeding claim for other processes' messages (e.g. "web 1234"). */
  by?: string;
}

export interface SeedResult {
  seeded: boolean;
  reason?: string;
  accounts: number;
  events: number;
  evaluations: number;
  tasks: { created: number; completed: number; open: number };
  stageChanges: number;
  renewals: number;
  churned: number;
  ms: number;
}

/** Churn odds on the renewal day by health colour (the domain's example renewal rates, roughly). */
const CHURN_ODDS: Record<string, number> = { green: 0.04, yellow: 0.16, red: 0.45, none: 0.1 };
/** The most time between two looks at an account (the engine's midnight wake, coarsened). */
const MAX_GAP = 7 * DAY;

export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The store's upsert rule: fields merge key by key; tags and flags replace when given. */
function mergeAccount(existing: Account | null, item: AccountUpsert): Account {
  const base: Account = existing ?? { id: item.id, fields: {}, tags: [], flags: {} };
  return {
    ...base,
    fields: item.fields ? { ...base.fields, ...item.fields } : base.fields,
    tags: item.tags ? [...item.tags] : base.tags,
    flags: item.flags ? { ...item.flags } : base.flags,
  };
}

/** What one account's year produced. */
interface AccountYear {
  id: string;
  /** Records and events to ingest, with the time each arrives. */
  upserts: { at: string; record: Record<string, unknown> }[];
  events: { at: string; event: AccountEvent }[];
  account: Account;
  state: AccountState;
  instances: Map<string, Instance>;
  effects: Effect[];
  completions: { taskId: string; at: string; by: string }[];
  nextWakeAt: string | null;
  evaluations: number;
  renewed: number;
  churned: boolean;
}

export async function seedDemo(ctx: ServerContext, opts: SeedOptions = {}): Promise<SeedResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const cpuMs = () => { const c = process.cpuUsage(cpu0); return Math.round((c.user + c.system) / 1000); };
  const log = opts.log ?? ((m: string) => console.log(`[demo] ${m}`));
  const empty = { accounts: 0, events: 0, evaluations: 0, tasks: { created: 0, completed: 0, open: 0 }, stageChanges: 0, renewals: 0, churned: 0, ms: 0 };
  if (await ctx.store.getMeta(DEMO_SEEDED_KEY)) return { seeded: false, reason: 'already seeded', ...empty };
  if ((await ctx.store.countAccounts()) > 0) return { seeded: false, reason: 'the store already has accounts', ...empty };
  const realNow = ctx.clock.now();
  if (!(await claimDemoSeed(ctx.store, realNow.toISOString(), opts.by ?? 'this process'))) {
    return { seeded: false, reason: 'another process is seeding the demo book', ...empty };
  }

  const plan = planBook({ accounts: opts.accounts ?? 600, seed: opts.seed ?? 42, end: realNow.toISOString() });
  const dictionary = dictionaryOf(ctx);

  // 1. Play the year per account.
  const byAccount = new Map<string, PlanItem[]>();
  for (const it of plan.items) {
    let list = byAccount.get(it.accountId);
    if (!list) byAccount.set(it.accountId, (list = []));
    list.push(it);
  }
  const years: AccountYear[] = plan.accounts.map((a) => playYear(ctx, a, byAccount.get(a.id) ?? [], dictionary, Date.parse(plan.end)));
  const tPlay = performance.now();
  const cPlay = cpuMs();

  // 2. Post the data through ingest, day by day, on a clock stepping through the year.
  const clock = new ManualClock(plan.start);
  const ingestCtx: ServerContext = { ...ctx, clock, kickWorker: () => {} };
  type Arrival = { at: string; upsert?: Record<string, unknown>; event?: AccountEvent };
  const arrivals: Arrival[] = [];
  for (const y of years) {
    for (const u of y.upserts) arrivals.push({ at: u.at, upsert: u.record });
    for (const e of y.events) arrivals.push({ at: e.at, event: e.event });
  }
  arrivals.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.upsert && !b.upsert ? -1 : !a.upsert && b.upsert ? 1 : 0));
  let events = 0;
  for (let i = 0; i < arrivals.length;) {
    const day = arrivals[i].at.slice(0, 10);
    const upserts: Record<string, unknown>[] = [];
    const evs: AccountEvent[] = [];
    let last = arrivals[i].at;
    for (; i < arrivals.length && arrivals[i].at.slice(0, 10) === day; i++) {
      const a = arrivals[i];
      last = a.at;
      if (a.upsert) upserts.push(a.upsert);
      else if (a.event) evs.push(a.event);
    }
    // Accounts first, so events never create empty accounts.
    clock.set(last);
    if (upserts.length) {
      const r = await ingestAccounts(ingestCtx, upserts);
      if (r.rejected.length) throw new Error(`Demo accounts rejected by ingest: ${JSON.stringify(r.rejected.slice(0, 3))}`);
    }
    if (evs.length) {
      const r = await ingestEvents(ingestCtx, evs);
      if (r.rejected.length) throw new Error(`Demo events rejected by ingest: ${JSON.stringify(r.rejected.slice(0, 3))}`);
      events += r.inserted;
    }
  }
  const tIngest = performance.now();
  const cIngest = cpuMs();

  // 3. Claim each account as the worker does and commit its year; then the CSMs' completions.
  const nowIso = realNow.toISOString();
  const byId = new Map(years.map((y) => [y.id, y]));
  const done = new Set<string>();
  for (let round = 0; round < 100 && done.size < years.length; round++) {
    const claims: Claim[] = await ctx.store.claimDue('demo-seed', nowIso, 10 * 60_000, 1000);
    if (claims.length === 0) break;
    for (const claim of claims) {
      const y = byId.get(claim.accountId);
      if (!y || done.has(y.id)) {
        // Not a demo account (should not happen on an empty store): let the worker have it.
        await ctx.store.failEvaluation(claim, 'released by the demo seed', nowIso, nowIso).catch(() => undefined);
        continue;
      }
      const ok = await ctx.store.commitEvaluation(claim, {
        account: y.account, state: y.state, instances: [...y.instances.values()], effects: y.effects,
        nextWakeAt: y.nextWakeAt, processedEventIds: y.events.map((e) => e.event.id),
      }, nowIso);
      if (!ok) continue; // lease lost to another worker: it has the account now
      done.add(y.id);
    }
  }
  // A separate worker process running during the seed may have claimed some accounts first:
  // it evaluates them itself (at the real now), which is safe, only their history is shorter.
  if (done.size < years.length) log(`${years.length - done.size} accounts were evaluated by another worker during the seed`);
  let completed = 0;
  const doneEntries: TimelineEntry[] = [];
  for (const y of years) {
    for (const c of y.completions) {
      const task = await ctx.store.getTask(c.taskId);
      if (!task || task.status !== 'open') continue;
      const steps = task.steps.map((s) => (s.done ? s : { ...s, done: true, doneAt: c.at, doneBy: c.by }));
      await ctx.store.updateTask(c.taskId, { status: 'done', completedAt: c.at, snoozedUntil: null, steps, updatedAt: c.at, by: c.by, note: 'completed' });
      doneEntries.push({ id: `task-done-${c.taskId}`, accountId: y.id, at: c.at, kind: 'task', subtype: 'completed', text: `Task completed: ${task.title}`, by: c.by, data: { taskId: c.taskId } });
      completed++;
    }
  }
  for (let i = 0; i < doneEntries.length; i += 500) await ctx.store.addTimeline(doneEntries.slice(i, i + 500));

  const open = (await ctx.store.listTasks({ status: 'open' }, { limit: 0, offset: 0 })).total;
  const created = years.reduce((s, y) => s + y.effects.filter((e) => e.kind === 'createTask').length, 0);
  const stageChanges = years.reduce((s, y) => s + y.effects.filter((e) => e.kind === 'stageChanged').length, 0);
  const evaluations = years.reduce((s, y) => s + y.evaluations, 0);
  const renewals = years.reduce((s, y) => s + y.renewed, 0);
  const churned = years.filter((y) => y.churned).length;
  await ctx.store.setMeta(DEMO_SEEDED_KEY, JSON.stringify({ at: nowIso, accounts: years.length, seed: opts.seed ?? 42 }));
  const ms = Math.round(performance.now() - t0);
  log(`seeded ${years.length} accounts: ${events} events, ${evaluations} evaluations, ${stageChanges} stage changes, ${created} tasks (${completed} completed, ${open} open), ${renewals} renewals, ${churned} churned in ${ms} ms wall, ${cpuMs()} ms CPU (engine ${Math.round(tPlay - t0)}/${cPlay} ms wall/CPU, ingest ${Math.round(tIngest - tPlay)}/${cIngest - cPlay} ms, commit ${Math.round(performance.now() - tIngest)}/${cpuMs() - cIngest} ms)`);
  return { seeded: true, accounts: years.length, events, evaluations, tasks: { created, completed, open }, stageChanges, renewals, churned, ms };
}

/**
 * One account's year: looks at each arrival time (as the worker is kicked on ingest), at
 * task completions, and at least weekly; everything through evaluateBundle.
 */
function playYear(ctx: ServerContext, a: DemoAccount, items: PlanItem[], dictionary: ReturnType<typeof dictionaryOf>, endMs: number): AccountYear {
  const y: AccountYear = {
    id: a.id, upserts: [], events: [], account: { id: a.id, fields: {}, tags: [], flags: {} }, state: null as unknown as AccountState,
    instances: new Map(), effects: [], completions: [], nextWakeAt: null, evaluations: 0, renewed: 0, churned: false,
  };
  let state: AccountState | null = null;
  let account: Account | null = null;
  const tasks = new Map<string, Task>();
  const pending: AccountEvent[] = [];
  const completions: { ms: number; taskId: string; by: string }[] = [];
  let renewalDate = a.renewalDate;
  let mrr = a.mrr;
  let purchased = a.licensesPurchased;

  const upsert = (at: string, record: Record<string, unknown>) => {
    const { upserts, rejected } = checkAccountRecords(dictionary, [record]);
    if (rejected.length) throw new Error(`Demo account record rejected: ${JSON.stringify(rejected[0])}`);
    account = mergeAccount(account, upserts[0].upsert);
    y.upserts.push({ at, record });
  };

  const look = (ms: number) => {
    if (!account) return;
    const now = iso(ms);
    // The CSMs' work up to now.
    for (const c of completions.filter((c) => c.ms <= ms)) {
      const t = tasks.get(c.taskId);
      if (t && t.status === 'open') {
        const at = iso(c.ms);
        tasks.set(t.id, { ...t, status: 'done', completedAt: at, updatedAt: at, steps: t.steps.map((s) => (s.done ? s : { ...s, done: true, doneAt: at, doneBy: c.by })) });
        y.completions.push({ taskId: t.id, at, by: c.by });
      }
    }
    for (let i = completions.length - 1; i >= 0; i--) if (completions[i].ms <= ms) completions.splice(i, 1);

    const active = [...y.instances.values()].filter((i) => i.status === 'active');
    const referenced = new Set(active.flatMap((i) => Object.values(i.tasks)));
    const bundleTasks = [...tasks.values()].filter((t) => t.status === 'open' || referenced.has(t.id));
    const commit = evaluateBundle(ctx, { account, state, instances: active, tasks: bundleTasks, pendingEvents: pending.splice(0) }, now);
    y.evaluations += commit.processedEventIds.length + 1;
    account = commit.account;
    state = commit.state;
    for (const inst of commit.instances) y.instances.set(inst.id, inst);
    for (const e of commit.effects) {
      y.effects.push(e);
      if (e.kind === 'createTask') {
        if (tasks.has(e.task.id)) continue;
        tasks.set(e.task.id, e.task);
        planCompletion(e.task);
      } else if (e.kind === 'updateTask') {
        const t = tasks.get(e.taskId);
        if (t) tasks.set(t.id, { ...t, ...e.changes, updatedAt: e.at });
      } else if (e.kind === 'closeTask') {
        const t = tasks.get(e.taskId);
        if (t && t.status === 'open') tasks.set(t.id, { ...t, status: 'closed', closedReason: e.reason, updatedAt: e.at });
      }
    }
    y.nextWakeAt = commit.nextWakeAt;
  };

  const planCompletion = (t: Task) => {
    const r = new Rng(hashString(`task:${t.id}`));
    const role = t.owner.startsWith('role:');
    // A diligent team: most tasks are done before they are due, some slip a few days, a few
    // by weeks. So the queue holds fresh work and a short tail of overdue items (10-20%).
    const dueDays = Math.max(1, (Date.parse(t.dueAt) - Date.parse(t.createdAt)) / DAY);
    const roll = r.next();
    const afterDays = roll < (role ? 0.08 : 0.07) ? dueDays + r.between(10, 40)
      : roll < (role ? 0.25 : 0.23) ? dueDays + r.between(1, 8)
      : Math.min(dueDays - 0.05, 0.1 + r.between(0.1, 0.9) * dueDays);
    completions.push({ ms: Date.parse(t.createdAt) + afterDays * DAY, taskId: t.id, by: role ? queueHolder(t.owner) : t.owner });
  };

  const decideRenewal = (at: string) => {
    const color = state?.health?.color ?? 'none';
    const r = new Rng(hashString(`renewal:${a.id}:${at}`));
    if (r.chance(CHURN_ODDS[color] ?? 0.1)) {
      y.churned = true;
      upsert(at, { id: a.id, churned: true, churnedAt: at });
      return;
    }
    y.renewed++;
    const d = new Date(renewalDate + 'T00:00:00Z');
    d.setUTCFullYear(d.getUTCFullYear() + 1);
    renewalDate = d.toISOString().slice(0, 10);
    const record: Record<string, unknown> = { id: a.id, renewalDate };
    // Healthy renewals often expand: more licences, more MRR.
    if (color === 'green' && r.chance(0.35)) {
      const grow = 1 + r.between(0.08, 0.3);
      mrr = Math.round((mrr * grow) / 50) * 50;
      purchased = Math.round(purchased * grow);
      record.mrr = mrr;
      record.licensesPurchased = purchased;
    }
    upsert(at, record);
  };

  let lastLook = -Infinity;
  // At least weekly looks in between (time-relative conditions, waits, schedules). A CSM's
  // completion is applied at its time and seen at the next look.
  const lookUntil = (ms: number) => {
    while (Number.isFinite(lastLook) && lastLook + MAX_GAP < ms) {
      lastLook += MAX_GAP;
      look(lastLook);
    }
  };

  for (let i = 0; i < items.length && !y.churned; i++) {
    const it = items[i];
    const ms = Date.parse(it.at);
    if (account) lookUntil(ms);
    if (it.kind === 'upsert') upsert(it.at, it.record);
    else if (it.kind === 'event') {
      pending.push(it.event);
      y.events.push({ at: it.at, event: it.event });
    } else decideRenewal(it.at);
    // Arrivals on the same day make one look (the worker batches what is due the same way).
    if (items[i + 1] && items[i + 1].at.slice(0, 10) === it.at.slice(0, 10) && !y.churned) continue;
    const at = Math.max(ms, lastLook);
    look(at);
    lastLook = at;
  }
  if (account) {
    // Churned accounts get their last looks too: audiences and exits close what they had open.
    lookUntil(endMs);
    look(endMs);
  }
  y.account = account ?? y.account;
  y.state = state!;
  return y;
}
