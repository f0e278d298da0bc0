/**
 * The worker: claims due accounts (leases, so two workers never evaluate one account at
 * once), runs the engine over each account's pending events one by one and then a clock
 * tick, and commits everything in one store transaction. A crash before commit leaves the
 * claim to expire; the next worker redoes the evaluation, and task keys make that safe.
 */
import { evaluate } from '../engine/runtime/index.js';
import type { Account, AccountState, Effect, Instance, Task } from '../engine/types.js';
import type { ServerContext } from './context.js';
import { MANUAL_START_EVENT } from './ingest/events.js';
import type { Claim, EvaluationBundle, EvaluationCommit, EvaluationCommitItem, EvaluationCommitResult } from './store/types.js';

export interface WorkerOptions {
  workerId?: string;
  /** How long a claim is held before another worker may take it over. */
  leaseMs?: number;
  /** Accounts claimed, evaluated and committed together per round. */
  batch?: number;
  /** Longest idle sleep: how soon work ingested by another process is noticed (ms). */
  pollMs?: number;
  /**
   * Asked before each round of the running loop: true holds the round (checked again after
   * pollMs). The web and worker processes hold while another process seeds the demo book.
   */
  holdWhile?: () => Promise<boolean>;
  /** Test hook: called after claiming, before evaluating (worker-main uses it to simulate a crash). */
  afterClaim?: (claims: Claim[]) => Promise<void> | void;
  /** Called after each successful commit (worker-main reports these in its test mode). */
  onCommitted?: (accountId: string) => void;
  log?: (msg: string) => void;
}

export interface Worker {
  readonly workerId: string;
  /** One round at clock.now(): claim, evaluate, commit. Resolves to the number of accounts committed. */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
  /** Wakes a sleeping loop (ctx.kickWorker calls this for the in-process worker). */
  kick(): void;
  /** Counts, and where round time went: engine (evaluate) and store (claim, load, commit), in ms. */
  stats(): { rounds: number; committed: number; failed: number; lostClaims: number; engineMs: number; storeMs: number };
}

const MAX_BACKOFF_MS = 60 * 60_000;

/** The engine result of one account: events applied in order, then a tick. */
export function evaluateBundle(ctx: ServerContext, bundle: EvaluationBundle, now: string): EvaluationCommit {
  const lib = ctx.library.current();
  let account: Account = bundle.account;
  let state: AccountState | null = bundle.state;
  const instances = new Map<string, Instance>(bundle.instances.map((i) => [i.id, i]));
  const changed = new Map<string, Instance>();
  const tasks = new Map<string, Task>(bundle.tasks.map((t) => [t.id, t]));
  const effects: Effect[] = [];
  let nextWakeAt: string | null = null;

  const step = (event?: EvaluationBundle['pendingEvents'][number]) => {
    // A playbook started by hand arrives as a reserved event; the engine takes it as a manual start.
    const manual = event?.type === MANUAL_START_EVENT
      ? { playbookId: String(event.data.playbookId), requestId: event.id, by: String(event.data.byName ?? event.data.by ?? 'a user') }
      : undefined;
    const res = evaluate(lib, {
      account,
      state,
      instances: [...instances.values()].filter((i) => i.status === 'active'),
      tasks: [...tasks.values()],
      event: manual ? undefined : event,
      manual,
      now,
    });
    account = res.account;
    state = res.state;
    for (const inst of res.instances) {
      instances.set(inst.id, inst);
      changed.set(inst.id, inst);
    }
    for (const e of res.effects) {
      effects.push(e);
      if (e.kind === 'createTask') tasks.set(e.task.id, e.task);
      else if (e.kind === 'updateTask') {
        const t = tasks.get(e.taskId);
        if (t) tasks.set(t.id, { ...t, ...e.changes, updatedAt: e.at });
      } else if (e.kind === 'closeTask') {
        const t = tasks.get(e.taskId);
        if (t) tasks.set(t.id, { ...t, status: 'closed', closedReason: e.reason, updatedAt: e.at });
      }
    }
    nextWakeAt = res.nextWakeAt;
  };

  for (const ev of bundle.pendingEvents) step(ev);
  step();
  return {
    account,
    state: state!,
    instances: [...changed.values()],
    effects,
    nextWakeAt,
    processedEventIds: bundle.pendingEvents.map((e) => e.id),
  };
}

export function createWorker(ctx: ServerContext, opts: WorkerOptions = {}): Worker {
  const workerId = opts.workerId ?? `worker-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const leaseMs = opts.leaseMs ?? 60_000;
  const batch = opts.batch ?? 200;
  const pollMs = opts.pollMs ?? 1000;
  const log = opts.log ?? ((m: string) => console.log(`[worker ${workerId}] ${m}`));
  const counters = { rounds: 0, committed: 0, failed: 0, lostClaims: 0, engineMs: 0, storeMs: 0 };
  const since = (t0: number) => performance.now() - t0;

  let running = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  let kicked = false;
  let timer: NodeJS.Timeout | null = null;

  /** Releases a failed claim, due again after a backoff that doubles with each failure in a row. */
  async function fail(claim: Claim, error: unknown, now: string): Promise<void> {
    counters.failed++;
    const message = error instanceof Error ? error.message : String(error);
    try {
      const backoff = retryBackoffMs(claim.attempts ?? 0);
      const retryAt = new Date(Date.parse(now) + backoff).toISOString();
      const rec = await ctx.store.failEvaluation(claim, message, now, retryAt);
      log(`evaluation of ${claim.accountId} failed (attempt ${rec.attempts}, retry at ${retryAt}): ${message}`);
    } catch (inner) {
      log(`could not record the failure of ${claim.accountId}: ${(inner as Error).message}`);
    }
  }

  async function runOnce(): Promise<number> {
    counters.rounds++;
    // Another process may have published: pick up the new library before evaluating (one meta read).
    const lib = ctx.library as { refreshIfChanged?: () => Promise<boolean> };
    if (lib.refreshIfChanged) await lib.refreshIfChanged();
    const now = ctx.clock.now().toISOString();
    let t0 = performance.now();
    const claims = await ctx.store.claimDue(workerId, now, leaseMs, batch);
    counters.storeMs += since(t0);
    if (!claims.length) return 0;
    if (opts.afterClaim) await opts.afterClaim(claims);

    // The whole batch is read with one query per table and committed in one store call
    // (one SQLite transaction); each account still commits or fails on its own.
    let bundles: Map<string, EvaluationBundle>;
    t0 = performance.now();
    try {
      bundles = await ctx.store.loadForEvaluations(claims.map((c) => c.accountId));
      counters.storeMs += since(t0);
    } catch (e) {
      for (const claim of claims) await fail(claim, e, now);
      return 0;
    }
    const items: EvaluationCommitItem[] = [];
    for (const claim of claims) {
      const bundle = bundles.get(claim.accountId);
      if (!bundle) { await fail(claim, new Error(`account "${claim.accountId}" does not exist`), now); continue; }
      t0 = performance.now();
      try {
        items.push({ claim, commit: evaluateBundle(ctx, bundle, now) });
        counters.engineMs += since(t0);
      } catch (e) {
        await fail(claim, e, now);
      }
    }
    if (!items.length) return 0;
    let results: EvaluationCommitResult[];
    t0 = performance.now();
    try {
      results = await ctx.store.commitEvaluations(items, now);
      counters.storeMs += since(t0);
    } catch (e) {
      for (const { claim } of items) await fail(claim, e, now);
      return 0;
    }
    let committed = 0;
    for (const [i, res] of results.entries()) {
      const { claim } = items[i];
      if (res === true) {
        committed++;
        opts.onCommitted?.(claim.accountId);
      } else if (res === false) {
        counters.lostClaims++;
        log(`lease on ${claim.accountId} was lost before commit; another worker owns it now`);
      } else await fail(claim, res, now);
    }
    counters.committed += committed;
    return committed;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (kicked || !running) { kicked = false; resolve(); return; }
      wake = () => { wake = null; kicked = false; if (timer) clearTimeout(timer); timer = null; resolve(); };
      timer = setTimeout(() => wake?.(), ms);
    });
  }

  /** Until the next scheduled wake-up if that is sooner than the poll (which finds other processes' work). */
  async function idleMs(): Promise<number> {
    try {
      const now = ctx.clock.now().getTime();
      const next = await ctx.store.nextDueAt(new Date(now).toISOString());
      if (next === null) return pollMs;
      return Math.max(0, Math.min(pollMs, Date.parse(next) - now));
    } catch {
      return pollMs;
    }
  }

  async function held(): Promise<boolean> {
    if (!opts.holdWhile) return false;
    try {
      return await opts.holdWhile();
    } catch (e) {
      log(`could not check whether to hold: ${(e as Error).message}`);
      return false;
    }
  }

  async function run(): Promise<void> {
    while (running) {
      if (await held()) {
        await sleep(pollMs);
        continue;
      }
      let claimedFull = false;
      kicked = false; // this round sees everything ingested so far
      try {
        const before = counters.committed + counters.failed + counters.lostClaims;
        await runOnce();
        const handled = counters.committed + counters.failed + counters.lostClaims - before;
        claimedFull = handled >= batch;
      } catch (e) {
        log(`round failed: ${(e as Error).message}`);
      }
      // A full batch means more is probably due: go again at once; otherwise sleep until
      // the next due time, a kick (ingest in this process) or the poll interval.
      if (running && !claimedFull && !kicked) {
        const wait = await idleMs();
        if (wait > 0) await sleep(wait);
        else await new Promise((r) => setImmediate(r)); // due already: let I/O in, then go
      }
    }
  }

  return {
    workerId,
    runOnce,
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      loop = null;
    },
    kick() {
      kicked = true;
      wake?.();
    },
    stats: () => ({ ...counters }),
  };
}

/** 30 s, doubling with each failure in a row, at most an hour. */
export function retryBackoffMs(priorAttempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 30_000 * 2 ** Math.max(0, priorAttempts));
}
