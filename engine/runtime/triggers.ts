/**
 * Step 5: which playbooks start now. Triggers in playbook id order (condition edges,
 * events, stage entered/left, schedule slots, manual starts), then the audience, then the
 * re-entry policy; a started run walks its graph at once.
 */
import type { CompiledPlaybook } from './compile.js';
import { EvalContext, DAY_MS } from './context.js';
import { holds } from './rules.js';
import { startRun } from './instances.js';
import { instanceId } from '../ids.js';

interface Candidate {
  pb: CompiledPlaybook;
  occurrence: string;
  detail: string;
  values: Record<string, unknown>;
  /** Event and manual occurrences are remembered, so a replay starts nothing. */
  remember: boolean;
}

/** How long remembered event/manual occurrences are kept in the account state. */
const REMEMBER_DAYS = 400;
const SEEN_PREFIX = 'seen:';

export function seenKey(playbookId: string, occurrence: string): string {
  return `${SEEN_PREFIX}${playbookId}:${occurrence}`;
}

function reentryAllows(ctx: EvalContext, pb: CompiledPlaybook): string | null {
  const r = ctx.run(pb.id);
  const active = ctx.isActive(r?.activeInstanceId);
  const re = pb.def.reentry;
  switch (re.policy) {
    case 'once':
      return r && r.count > 0 ? 'runs once per account and already ran' : null;
    case 'after-exit':
      return active ? 'a run is still active' : null;
    case 'cooldown': {
      if (active) return 'a run is still active';
      if (r?.lastEndedAt && ctx.nowMs - Date.parse(r.lastEndedAt) < re.days * DAY_MS) return `cooling down for ${re.days} days after the last run`;
      return null;
    }
    case 'max-times':
      if (active) return 'a run is still active';
      return (r?.count ?? 0) >= re.times ? `already ran ${re.times} times` : null;
  }
}

type TriggerState = EvalContext['triggers'][string];
let slotStates: (TriggerState | undefined)[] = [];

/**
 * The trigger state of every condition and schedule starter, read in one pass over the account's
 * trigger object (by lib.triggerSlots): what `ctx.triggers[pb.id]` gives for each. A keyed read
 * per playbook was the re-check's largest single cost - trigger objects come in many shapes, so
 * each read missed V8's property caches. Scratch space, valid until the next call.
 */
function readTriggerSlots(ctx: EvalContext): (TriggerState | undefined)[] {
  const slots = ctx.lib.triggerSlots;
  const n = slots.size;
  if (slotStates.length !== n) slotStates = new Array<TriggerState | undefined>(n).fill(undefined);
  const out = slotStates;
  for (let i = 0; i < n; i++) out[i] = undefined;
  const t = ctx.triggers;
  for (const k in t) {
    const s = slots.get(k);
    if (s !== undefined) out[s] = t[k];
  }
  return out;
}

function collect(ctx: EvalContext, manual: { playbookId: string; requestId: string; by: string } | undefined, out: Candidate[]): void {
  const { lib, nowMs } = ctx;
  // Slots follow the starters' order: condition starters first, then schedule ones.
  const states = readTriggerSlots(ctx);
  const conditions = lib.starters.condition;
  for (let i = 0; i < conditions.length; i++) {
    const pb = conditions[i];
    const rule = pb.triggerRule!;
    const now = holds(rule, ctx.conditionData(), nowMs);
    const prev = states[i];
    if ((prev?.lastTrue ?? false) !== now) ctx.setTrigger(pb.id, { ...prev, lastTrue: now });
    if (now && !prev?.lastTrue) {
      out.push({ pb, occurrence: ctx.now, detail: `Condition became true: ${rule.text}`, values: ctx.valuesOf(rule.vars), remember: false });
    }
  }
  const ev = ctx.event;
  if (ev) {
    for (const pb of lib.starters.event.get(ev.type) ?? []) {
      const rule = pb.triggerRule;
      if (rule && !holds(rule, ctx.conditionData(), nowMs)) continue;
      const values = rule ? ctx.valuesOf(rule.vars) : {};
      out.push({ pb, occurrence: ev.id, detail: `Event ${ev.type} (${ev.id})${rule ? `: ${rule.text}` : ''}`, values, remember: true });
    }
  }
  for (const s of ctx.pendingStage) {
    const lists = lib.stageStarters.get(s.journeyId)?.get(s.stageId);
    if (lists === undefined) continue;
    for (const pb of lists[s.on]) {
      const j = lib.journeyById.get(s.journeyId);
      const name = j?.stages.get(s.stageId)?.def.name ?? s.stageId;
      out.push({ pb, occurrence: s.occurrence, detail: `Stage ${name} ${s.on}`, values: { [`journey.${s.journeyId}.stage`]: ctx.journeys[s.journeyId]?.stage ?? null }, remember: false });
    }
  }
  if (ctx.pendingStage.length > 0) ctx.pendingStage = [];
  const schedules = lib.starters.schedule;
  for (let i = 0; i < schedules.length; i++) {
    const pb = schedules[i];
    if (pb.trigger.type !== 'schedule') continue;
    const slot = Math.floor(nowMs / (pb.trigger.everyDays * DAY_MS));
    const prev = states[conditions.length + i];
    if (prev?.lastSlot === slot) continue;
    const rule = pb.triggerRule;
    if (rule && !holds(rule, ctx.conditionData(), nowMs)) continue;
    if (pb.audience && !holds(pb.audience, ctx.conditionData(), nowMs)) continue;
    ctx.setTrigger(pb.id, { ...prev, lastSlot: slot });
    out.push({ pb, occurrence: `slot:${slot}`, detail: `Every ${pb.trigger.everyDays} days (slot ${slot})${rule ? `: ${rule.text}` : ''}`, values: rule ? ctx.valuesOf(rule.vars) : {}, remember: false });
  }
  if (manual) {
    // Any playbook can be started by hand; its newest version runs.
    const pb = lib.playbooks.get(manual.playbookId)?.latest;
    if (pb) out.push({ pb, occurrence: manual.requestId, detail: `Started by hand by ${manual.by}`, values: {}, remember: true });
  }
}

/**
 * Stable insertion sort by playbook id (the order Array#sort gives): a handful of candidates,
 * mostly already in order, where Array#sort's setup costs more than the sorting.
 */
function sortByPlaybook(list: Candidate[]): void {
  for (let i = 1; i < list.length; i++) {
    const c = list[i];
    const id = c.pb.id;
    let j = i - 1;
    while (j >= 0 && list[j].pb.id > id) {
      list[j + 1] = list[j];
      j--;
    }
    list[j + 1] = c;
  }
}

function prune(ctx: EvalContext): void {
  const cutoff = Math.floor(ctx.nowMs / DAY_MS) - REMEMBER_DAYS;
  for (const k of Object.keys(ctx.triggers)) {
    if (k.startsWith(SEEN_PREFIX) && (ctx.triggers[k].lastSlot ?? 0) < cutoff) ctx.deleteTrigger(k);
  }
}

export function runTriggers(ctx: EvalContext, manual?: { playbookId: string; requestId: string; by: string }): void {
  let pruned = false;
  // Runs started here may move stages (update nodes), which can fire further stage triggers.
  let candidates: Candidate[] = [];
  for (let round = 0; round < 20; round++) {
    if (candidates.length > 0) candidates = [];
    collect(ctx, round === 0 ? manual : undefined, candidates);
    if (candidates.length === 0) return;
    if (candidates.length > 1) sortByPlaybook(candidates);
    for (const c of candidates) {
      if (c.remember) {
        const key = seenKey(c.pb.id, c.occurrence);
        if (ctx.triggers[key]) continue; // already processed (a replay)
        if (!pruned) {
          prune(ctx);
          pruned = true;
        }
        ctx.setTrigger(key, { lastSlot: Math.floor(ctx.nowMs / DAY_MS) });
      }
      if (c.pb.audience && c.pb.trigger.type !== 'schedule' && !holds(c.pb.audience, ctx.conditionData(), ctx.nowMs)) continue;
      if (reentryAllows(ctx, c.pb) !== null) continue;
      const id = instanceId(c.pb.id, ctx.accountId, c.occurrence);
      if (ctx.instances.has(id)) continue;
      startRun(ctx, c.pb, { occurrence: c.occurrence, detail: c.detail, values: c.values }, id);
    }
  }
}

/** Why a playbook would not start now for this account (for previews), or null. */
export { reentryAllows as reentryBlock };
