/**
 * evaluate: one account, one moment. Pure and deterministic - the same inputs give
 * byte-identical results. Order: (1) the event's field reducers, (2) derived fields and
 * health, (3) journeys, (4) active runs (exit criteria, due waits) and closeWhen,
 * (5) triggers, (6) when to look at the account again.
 */
import type { Account, EvaluationInput, EvaluationResult, Health, Instance } from '../types.js';
import type { CompiledLibrary } from './compile.js';
import { EvalContext, DAY_MS, isoDate } from './context.js';
import { horizonOf } from './horizon.js';
import { applyEvent } from '../events/apply.js';
import { healthCoverage, scoreHealth, sameHealth, type HealthCoverage } from '../health/compute.js';
import { buildConditionData, type ConditionData } from './deps.js';
import { runJourneys } from './journeys.js';
import { resumeInstances, closeSatisfiedTasks, runsIdle } from './instances.js';
import { runTriggers } from './triggers.js';
import { holds } from './rules.js';

/** Computes derived fields (dictionary order, each may read earlier ones) into the condition data. */
function deriveInto(lib: CompiledLibrary, data: ConditionData, nowMs: number): void {
  for (const d of lib.derived) {
    let v: unknown;
    try {
      v = d.run(data, nowMs);
    } catch {
      v = null;
    }
    data[d.name] = v === undefined ? null : v;
  }
}

/** The account's fields with derived fields computed. */
export function withDerived(lib: CompiledLibrary, account: Account, nowMs: number): Record<string, unknown> {
  if (lib.derived.length === 0) return account.fields;
  const data = buildConditionData({ fields: account.fields, tags: account.tags, flags: account.flags, fieldNames: lib.fieldNames });
  deriveInto(lib, data, nowMs);
  const fields: Record<string, unknown> = { ...account.fields };
  for (const d of lib.derived) fields[d.name] = data[d.name];
  return fields;
}

/** Health of an account now (derived fields included), or null without a scorecard or any measured value. */
export function computeHealth(lib: CompiledLibrary, account: Account, nowIso: string): Health | null {
  const sc = lib.scorecard;
  if (!sc) return null;
  const nowMs = Date.parse(nowIso);
  const data = scoringData(lib, account, nowMs);
  return scoreHealth(sc, data, data.tier, nowMs, nowIso);
}

/** Which measures have no value for an account now (why it may be "not scored"); null without a scorecard. */
export function computeHealthCoverage(lib: CompiledLibrary, account: Account, nowIso: string): HealthCoverage | null {
  const sc = lib.scorecard;
  if (!sc) return null;
  const nowMs = Date.parse(nowIso);
  const data = scoringData(lib, account, nowMs);
  return healthCoverage(sc, data, data.tier, nowMs);
}

/** The condition data health is scored on: the account's fields with derived fields computed. */
function scoringData(lib: CompiledLibrary, account: Account, nowMs: number): ConditionData {
  const data = buildConditionData({ fields: account.fields, tags: account.tags, flags: account.flags, fieldNames: lib.fieldNames });
  deriveInto(lib, data, nowMs);
  return data;
}

/** How long processed event ids are remembered in the account state (the store also dedupes by id). */
export const PROCESSED_EVENT_DAYS = 35;
const PROCESSED_PREFIX = 'event:';

function processedKey(eventId: string): string {
  return PROCESSED_PREFIX + eventId;
}

function rememberEvent(ctx: EvalContext, eventId: string): void {
  const today = Math.floor(ctx.nowMs / DAY_MS);
  for (const k in ctx.triggers) {
    if (k.startsWith(PROCESSED_PREFIX) && (ctx.triggers[k].lastSlot ?? 0) < today - PROCESSED_EVENT_DAYS) ctx.deleteTrigger(k);
  }
  ctx.setTrigger(processedKey(eventId), { lastSlot: today });
}

function describeHealth(h: Health | null): string {
  return h ? `${h.color} (${h.score})` : 'unknown';
}

const byStart = (a: Instance, b: Instance) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The active instances, oldest run first (ties by id); the input list itself when it already is.
 * Runs started in one evaluation share their start time and their ids are hashes, so a list in
 * store order is often not in this order: a stable insertion sort into a new array (the order
 * Array#sort gives) - a few runs, where sort's setup and comparator calls cost more than sorting.
 */
function activeInStartOrder(list: Instance[]): Instance[] {
  let ok = true;
  for (let i = 0; ok && i < list.length; i++) ok = list[i].status === 'active' && (i === 0 || byStart(list[i - 1], list[i]) < 0);
  if (ok) return list;
  const out: Instance[] = [];
  for (let i = 0; i < list.length; i++) {
    const inst = list[i];
    if (inst.status !== 'active') continue;
    let j = out.length;
    out.push(inst);
    while (j > 0 && byStart(out[j - 1], inst) > 0) {
      out[j] = out[j - 1];
      j--;
    }
    out[j] = inst;
  }
  return out;
}

/**
 * When the clock alone could change what an evaluation does: the account's horizon (the first
 * instant a watched time-relative rule could give another result, see horizon.ts). An evaluation
 * that changed something is looked at again by the next midnight at the latest, as before: its
 * changes may let rules read earlier in it give other results (an update by a run started after
 * the journeys moved, a task created with its closeWhen already true), and that second look is
 * what finds them. An evaluation that changed nothing is its own fixed point: with the data as it
 * is, it does the same nothing until some watched rule changes.
 */
function wakeForClock(lib: CompiledLibrary, ctx: EvalContext, input: EvaluationInput, state: EvaluationResult['state']): number {
  const midnight = (Math.floor(ctx.nowMs / DAY_MS) + 1) * DAY_MS;
  const plan = lib.horizon;
  if (plan.fallback) return midnight;
  const changed = state !== input.state || ctx.effects.length > 0 || ctx.changed.length > 0 || ctx.account !== input.account;
  if (plan.cmps.length === 0) return changed ? midnight : Infinity;
  const h = horizonOf(plan, ctx.data, ctx.nowMs, ctx.journeys);
  if (h < 0) return midnight;
  return changed && midnight < h ? midnight : h;
}

export function evaluate(lib: CompiledLibrary, input: EvaluationInput): EvaluationResult {
  return evaluateWith(lib, input, WITH_SHORTCUTS);
}

/**
 * The re-check's shortcuts (checks that prove a step would change nothing, and skip its full
 * form) can be turned off here, so tests can compare them with the full evaluation they stand
 * for. Not exported from the engine's index: callers use evaluate.
 */
export interface EvaluateOptions { fastPaths: boolean }
const WITH_SHORTCUTS: EvaluateOptions = { fastPaths: true };

export function evaluateWith(lib: CompiledLibrary, input: EvaluationInput, opts: EvaluateOptions): EvaluationResult {
  const event = input.event;
  if (event && event.accountId !== input.account.id) {
    throw new Error(`evaluate: event ${event.id} belongs to account ${event.accountId}, not ${input.account.id}`);
  }
  // An event this account already processed (a redelivery) is a plain tick: no reducer,
  // no event trigger, no event wait - so a replay creates nothing.
  const fresh = event && !input.state?.triggers[processedKey(event.id)] ? event : undefined;
  // (1) event reducers
  const account = fresh ? applyEvent(input.account, fresh) : input.account;
  const ctx = new EvalContext(lib, account, input.state, input.now, fresh);
  if (fresh) rememberEvent(ctx, fresh.id);
  ctx.setInputInstances(input.instances);
  ctx.setInputTasks(input.tasks);

  // (2) derived fields and health
  deriveInto(lib, ctx.data, ctx.nowMs);
  const previous = input.state?.health ?? null;
  const health = lib.scorecard ? scoreHealth(lib.scorecard, ctx.data, ctx.data.tier, ctx.nowMs, input.now, previous) : null;
  if (health !== previous && !sameHealth(previous, health)) {
    ctx.setHealth(health);
    if (health && (previous === null || previous.score !== health.score || previous.color !== health.color)) {
      ctx.effects.push({ kind: 'healthChanged', accountId: account.id, health, previous });
      ctx.timeline('health', 'changed', `Health ${previous ? `changed from ${describeHealth(previous)} to` : 'is'} ${describeHealth(health)}`, [health.score, health.color, input.now], {
        score: health.score, color: health.color, previousScore: previous?.score ?? null, previousColor: previous?.color ?? null,
      });
    }
  }

  // (3) journeys
  runJourneys(ctx);

  // (4) active runs, then tasks that close themselves
  if (!opts.fastPaths || !runsIdle(ctx, input.instances)) resumeInstances(ctx, activeInStartOrder(input.instances));
  closeSatisfiedTasks(ctx);

  // (5) triggers
  runTriggers(ctx, input.manual);

  // (6) next wake
  let next = ctx.earliestWake();
  const state = ctx.state();
  if (lib.timeRelative) {
    const h = wakeForClock(lib, ctx, input, state);
    if (h < next) next = h;
  }
  // A schedule slot matters only when it comes earlier (the audience, a rule, is read only then).
  for (const pb of lib.starters.schedule) {
    if (pb.trigger.type !== 'schedule') continue;
    const period = pb.trigger.everyDays * DAY_MS;
    const t = (Math.floor(ctx.nowMs / period) + 1) * period;
    if (t >= next) continue;
    if (pb.audience && !holds(pb.audience, ctx.conditionData(), ctx.nowMs)) continue;
    next = t;
  }

  const instances = [];
  for (const id of ctx.changed) instances.push(ctx.instances.get(id)!);
  return {
    account: ctx.account,
    state,
    instances,
    effects: ctx.effects,
    nextWakeAt: next === Infinity ? null : isoDate(next),
  };
}
