/**
 * Playbook runs: starting an instance, walking its graph node by node (each visit is a
 * PathStep with the values it read), waiting, resuming when a wait is due, exit criteria.
 * Waits are state-based: after downtime a due timer fires once, on the first evaluation after.
 */
import type { Wait } from '../schema/definitions.js';
import type { Instance, PathStep, Reason } from '../types.js';
import type { CompiledNode, CompiledPlaybook } from './compile.js';
import { EvalContext, DAY_MS, MAX_NODE_VISITS, isCanonicalTime, isoDate, timeMs } from './context.js';
import { holds } from './rules.js';
import { createOrRefreshTask, closeTask } from './tasks.js';
import { applyUpdate } from './journeys.js';
import { instanceId as instanceIdFor, taskKey } from '../ids.js';

const HOUR_MS = 3_600_000;

function durationMs(d: { days?: number; hours?: number }): number {
  return (d.days ?? 0) * DAY_MS + (d.hours ?? 0) * HOUR_MS;
}

function describeDuration(d: { days?: number; hours?: number }): string {
  const parts: string[] = [];
  if (d.days) parts.push(`${d.days} day${d.days === 1 ? '' : 's'}`);
  if (d.hours) parts.push(`${d.hours} hour${d.hours === 1 ? '' : 's'}`);
  return parts.join(' ') || '0 days';
}

function step(ctx: EvalContext, inst: Instance, nodeId: string, outcome: string, detail?: string, values?: Record<string, unknown>): void {
  const s: PathStep = { nodeId, at: ctx.now, outcome };
  if (detail !== undefined) s.detail = detail;
  if (values && Object.keys(values).length) s.values = values;
  inst.path.push(s);
}

export function endRun(ctx: EvalContext, inst: Instance, status: 'completed' | 'exited', reason: string): void {
  inst.status = status;
  inst.nodeId = null;
  inst.wakeAt = null;
  inst.waitStartedAt = null;
  inst.endedAt = ctx.now;
  inst.endReason = reason;
  const r = ctx.run(inst.playbookId);
  if (r) ctx.setRun(inst.playbookId, { ...r, lastEndedAt: ctx.now, activeInstanceId: r.activeInstanceId === inst.id ? null : r.activeInstanceId });
  const name = ctx.lib.playbooks.get(inst.playbookId)?.versions.get(inst.version)?.def.name ?? inst.playbookId;
  ctx.timeline('playbook', status, `Playbook ${name} ${status === 'completed' ? 'completed' : 'exited'}: ${reason}`, [inst.id, status], { instanceId: inst.id, playbookId: inst.playbookId });
}

function incident(ctx: EvalContext, inst: Instance, message: string): void {
  inst.status = 'incident';
  inst.wakeAt = null;
  inst.incident = { message, at: ctx.now, attempts: (inst.incident?.attempts ?? 0) + 1 };
  ctx.timeline('playbook', 'incident', `Playbook ${inst.playbookId} stopped: ${message}`, [inst.id, 'incident', ctx.now], { instanceId: inst.id, playbookId: inst.playbookId });
}

function reasonFallback(ctx: EvalContext, pb: CompiledPlaybook): string {
  const t = pb.trigger;
  switch (t.type) {
    case 'condition':
      return pb.triggerRule?.text ?? pb.def.name;
    case 'event':
      return `${t.eventType} received${pb.triggerRule ? `: ${pb.triggerRule.text}` : ''}`;
    case 'stage': {
      const j = ctx.lib.journeyById.get(t.journey);
      const name = j?.stages.get(t.stage)?.def.name ?? t.stage;
      return `${t.on === 'entered' ? 'Entered' : 'Left'} ${name}`;
    }
    case 'schedule':
      return pb.triggerRule ? pb.triggerRule.text : `Every ${t.everyDays} days`;
    case 'manual':
      return `Started by hand: ${pb.def.name}`;
  }
}

function taskReason(ctx: EvalContext, pb: CompiledPlaybook, nodeId: string, runValues: Record<string, unknown>): Reason {
  const values: Record<string, unknown> = {};
  if (pb.triggerRule) ctx.valuesOf(pb.triggerRule.vars, values);
  for (const k of Object.keys(runValues)) if (!(k in values)) values[k] = runValues[k];
  const r: Reason = { source: 'playbook', definitionId: pb.id, version: pb.version, nodeId, trigger: pb.triggerText, values, at: ctx.now };
  if (pb.triggerRule) r.condition = pb.triggerRule.rule;
  return r;
}

type WaitOutcome = { go: false } | { go: true; next: string | null; outcome: string; detail: string } | { end: string; go: false };
/** The usual outcome, shared (outcomes are only read). */
const NOT_DUE: WaitOutcome = Object.freeze({ go: false }) as WaitOutcome;

function dateLabel(ctx: EvalContext, wait: Extract<Wait, { type: 'until-date' }>): { label: string; rel: string } {
  const label = ctx.lib.fieldByName.get(wait.field)?.label ?? wait.field;
  const rel = wait.offsetDays === 0 ? `on ${label}` : `${Math.abs(wait.offsetDays)} days ${wait.offsetDays < 0 ? 'before' : 'after'} ${label}`;
  return { label, rel };
}

/** When a wait fires or times out, or why it cannot be waited for. */
function waitWake(ctx: EvalContext, wait: Wait, startedMs: number): { wakeMs: number; missing?: undefined } | { wakeMs: null; missing: string } {
  switch (wait.type) {
    case 'duration':
      return { wakeMs: startedMs + durationMs(wait.duration) };
    case 'until-date': {
      const raw = ctx.field(wait.field);
      const t = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : NaN;
      if (!Number.isFinite(t)) {
        const { label, rel } = dateLabel(ctx, wait);
        return { wakeMs: null, missing: `Cannot wait until ${rel}: the account has no ${label}` };
      }
      return { wakeMs: t + wait.offsetDays * DAY_MS };
    }
    case 'task-done':
      return { wakeMs: startedMs + durationMs(wait.timeout) };
    case 'event':
      return { wakeMs: startedMs + durationMs(wait.timeout) };
  }
}

/** Plain language of a wait, for the run's path. */
function describeWait(ctx: EvalContext, wait: Wait): string {
  switch (wait.type) {
    case 'duration':
      return `Wait ${describeDuration(wait.duration)}`;
    case 'until-date': {
      const { label, rel } = dateLabel(ctx, wait);
      const raw = ctx.field(wait.field);
      return `Wait until ${rel} (${label} ${typeof raw === 'string' ? raw.slice(0, 10) : String(raw)})`;
    }
    case 'task-done':
      return `Wait for task ${wait.task} to be done, at most ${describeDuration(wait.timeout)}`;
    case 'event':
      return `Wait for event ${wait.eventType}, at most ${describeDuration(wait.timeout)}`;
  }
}

/** Epoch ms of an engine-written time (canonical text takes the memoised parse). */
function engineTimeMs(iso: string): number {
  return isCanonicalTime(iso) ? timeMs(iso) : Date.parse(iso);
}

/**
 * The wake time checkWait computed (it may differ from the instance's: an until-date wait
 * follows its date, a fresh wait has none yet). checkWait itself never writes the instance,
 * so a run that stays put is not copied.
 */
let checkedWakeAt: string | null = null;

/** Is the wait at `node` over? `allowEvent` is false in the evaluation that entered the wait. */
function checkWait(ctx: EvalContext, inst: Instance, node: CompiledNode, allowEvent: boolean): WaitOutcome {
  if (node.def.kind !== 'wait') return { end: `node ${node.id} is not a wait`, go: false };
  const wait = node.def.wait;
  let due: boolean;
  let wakeAt = inst.wakeAt;
  if (wait.type === 'until-date' || wakeAt === null) {
    // until-date follows the account's date if it changes; others are fixed once computed
    const w = waitWake(ctx, wait, engineTimeMs(inst.waitStartedAt ?? ctx.now));
    if (w.wakeMs === null) return { end: w.missing, go: false };
    if (wakeAt === null || timeMs(wakeAt) !== w.wakeMs) wakeAt = isoDate(w.wakeMs);
    due = ctx.nowMs >= w.wakeMs;
  } else {
    // canonical times compare as text (no parse)
    due = isCanonicalTime(wakeAt) && isCanonicalTime(ctx.now) ? ctx.now >= wakeAt : ctx.nowMs >= timeMs(wakeAt);
  }
  checkedWakeAt = wakeAt;
  switch (wait.type) {
    case 'duration':
    case 'until-date':
      return due ? { go: true, next: node.next, outcome: 'wait over', detail: `${describeWait(ctx, wait)}: reached ${wakeAt}` } : NOT_DUE;
    case 'task-done': {
      const tid = inst.tasks[wait.task];
      const t = tid ? ctx.task(tid) : undefined;
      if (t && t.status === 'done') return { go: true, next: node.next, outcome: 'task done', detail: `Task "${t.title}" was completed${t.completedAt ? ` at ${t.completedAt}` : ''}` };
      if (due) return { go: true, next: node.timeout, outcome: 'timeout', detail: `Task ${t ? `"${t.title}"` : wait.task} not done by ${wakeAt}` };
      return NOT_DUE;
    }
    case 'event': {
      const ev = ctx.event;
      if (allowEvent && ev && ev.type === wait.eventType) {
        const values = node.when ? ctx.valuesOf(node.when.vars) : {};
        if (!node.when || holds(node.when, ctx.conditionData(), ctx.nowMs)) {
          return { go: true, next: node.next, outcome: 'event received', detail: `${ev.type} received (${ev.id})${node.when ? `: ${node.when.text} ${JSON.stringify(values)}` : ''}` };
        }
      }
      if (due) return { go: true, next: node.timeout, outcome: 'timeout', detail: `No ${wait.eventType} event by ${wakeAt}` };
      return NOT_DUE;
    }
  }
}

/** Walks the graph from `nodeId` until a wait that is not yet due, an end, or a dead end. */
function runFrom(ctx: EvalContext, pb: CompiledPlaybook, inst: Instance, nodeId: string | null, runValues: Record<string, unknown>): void {
  let cur = nodeId;
  for (;;) {
    if (cur === null) {
      endRun(ctx, inst, 'completed', 'Reached the end of the playbook');
      return;
    }
    if (++ctx.visits > MAX_NODE_VISITS) {
      incident(ctx, inst, `More than ${MAX_NODE_VISITS} node visits in one evaluation (a loop without a wait?) at node ${cur}`);
      return;
    }
    const node = pb.nodes.get(cur);
    if (!node) {
      incident(ctx, inst, `Node "${cur}" does not exist in ${pb.id} version ${pb.version}`);
      return;
    }
    const def = node.def;
    switch (def.kind) {
      case 'condition': {
        const rule = node.when!;
        const values = ctx.valuesOf(rule.vars);
        Object.assign(runValues, values);
        const yes = holds(rule, ctx.conditionData(), ctx.nowMs);
        step(ctx, inst, cur, yes ? 'yes' : 'no', `${def.label ?? rule.text}: ${yes ? 'yes' : 'no'}`, values);
        cur = yes ? node.yes : node.no;
        break;
      }
      case 'task': {
        const key = taskKey(pb.id, pb.version, cur, ctx.accountId, inst.occurrence);
        const type = def.task.type;
        const out = createOrRefreshTask(ctx, node.task!, {
          key, definitionId: pb.id, version: pb.version, nodeId: cur, instanceId: inst.id,
          reason: taskReason(ctx, pb, cur, runValues),
          fallbackReasonText: reasonFallback(ctx, pb),
          sameKind: { playbookId: pb.id, type, notInstance: inst.id },
        });
        inst.tasks[cur] = out.taskId;
        step(ctx, inst, cur, out.created ? 'task created' : 'open task refreshed', out.created ? `Created "${out.title}"` : `An open ${type} task of this playbook exists ("${out.title}"): refreshed instead of creating another`);
        cur = node.next;
        break;
      }
      case 'update': {
        const changes = applyUpdate(ctx, def.update, {
          source: 'playbook', definitionId: pb.id, version: pb.version, nodeId: cur, trigger: pb.triggerText,
          values: { ...runValues }, reasonText: `Set by playbook ${pb.def.name}`,
        });
        step(ctx, inst, cur, 'account updated', changes.join('; ') || 'nothing to change');
        cur = node.next;
        break;
      }
      case 'wait': {
        inst.nodeId = cur;
        inst.waitStartedAt = ctx.now;
        inst.wakeAt = null;
        const w = waitWake(ctx, def.wait, ctx.nowMs);
        if (w.missing) {
          step(ctx, inst, cur, 'cannot wait', w.missing);
          endRun(ctx, inst, 'completed', w.missing);
          return;
        }
        const res = checkWait(ctx, inst, node, false);
        if (!('end' in res)) inst.wakeAt = checkedWakeAt;
        if (!res.go) {
          step(ctx, inst, cur, `waiting until ${inst.wakeAt}`, describeWait(ctx, def.wait));
          return;
        }
        step(ctx, inst, cur, (res as { outcome: string }).outcome, (res as { detail: string }).detail);
        inst.nodeId = null;
        inst.wakeAt = null;
        inst.waitStartedAt = null;
        cur = (res as { next: string | null }).next;
        break;
      }
      case 'end':
        step(ctx, inst, cur, 'end', def.label);
        endRun(ctx, inst, 'completed', def.label ? `Reached end "${def.label}"` : 'Reached the end of the playbook');
        return;
    }
  }
}

export interface StartInfo {
  occurrence: string;
  detail: string;
  values: Record<string, unknown>;
}

/** Starts a run of the newest version of a playbook (re-entry already checked). */
export function startRun(ctx: EvalContext, pb: CompiledPlaybook, info: StartInfo, id = instanceIdFor(pb.id, ctx.accountId, info.occurrence)): Instance {
  const inst: Instance = {
    id: '', playbookId: pb.id, version: pb.version, accountId: ctx.accountId, occurrence: info.occurrence, status: 'active',
    nodeId: null, wakeAt: null, waitStartedAt: null, startedAt: ctx.now, endedAt: null, endReason: null, tasks: {}, path: [], incident: null,
  };
  inst.id = id;
  step(ctx, inst, 'trigger', 'started', info.detail, info.values);
  ctx.addInstance(inst);
  const r = ctx.run(pb.id);
  ctx.setRun(pb.id, { count: (r?.count ?? 0) + 1, lastStartedAt: ctx.now, lastEndedAt: r?.lastEndedAt ?? null, activeInstanceId: inst.id });
  ctx.timeline('playbook', 'started', `Playbook ${pb.def.name} started: ${info.detail}`, [inst.id, 'started'], { instanceId: inst.id, playbookId: pb.id, version: pb.version });
  runFrom(ctx, pb, inst, pb.first, { ...info.values });
  return inst;
}

/**
 * Would resumeInstances leave every run as it is (no exit criteria met, no wait over or moved, no
 * run to report)? The same checks, in the list's own order and writing nothing: when none acts,
 * the order runs are resumed in cannot matter, so the usual re-check needs no sorting of its
 * runs (which reads every run's id). Any run that would act sends the caller to the full path.
 */
export function runsIdle(ctx: EvalContext, list: readonly Instance[]): boolean {
  const playbooks = ctx.lib.playbooks;
  for (let i = 0; i < list.length; i++) {
    const inst = list[i];
    if (inst.status !== 'active') continue;
    const pb = playbooks.get(inst.playbookId)?.versions.get(inst.version);
    if (pb === undefined) return false;
    if (pb.exit !== null && holds(pb.exit.rule, ctx.conditionData(), ctx.nowMs)) return false;
    const node = inst.nodeId ? pb.nodes.get(inst.nodeId) : undefined;
    if (node === undefined) return false;
    if (checkWait(ctx, inst, node, true) !== NOT_DUE || checkedWakeAt !== inst.wakeAt) return false;
  }
  return true;
}

/** Step 4: exit criteria, then due waits, for every active instance from the input. */
export function resumeInstances(ctx: EvalContext, active: Instance[]): void {
  for (const original of active) {
    if (original.status !== 'active') continue;
    const pb = ctx.lib.playbooks.get(original.playbookId)?.versions.get(original.version);
    if (!pb) {
      incident(ctx, ctx.mutable(original), `Version ${original.version} of playbook ${original.playbookId} is not in the library`);
      continue;
    }
    if (pb.exit) {
      if (holds(pb.exit.rule, ctx.conditionData(), ctx.nowMs)) {
        const values = ctx.valuesOf(pb.exit.rule.vars);
        const inst = ctx.mutable(original);
        step(ctx, inst, inst.nodeId ?? 'trigger', 'exited', `Exit criteria met: ${pb.exit.rule.text}`, values);
        if (pb.exit.openTasks === 'close') {
          for (const tid of Object.values(inst.tasks)) closeTask(ctx, tid, `Playbook ${pb.def.name} exited: ${pb.exit.rule.text}`);
        }
        endRun(ctx, inst, 'exited', `Exit criteria met: ${pb.exit.rule.text}`);
        continue;
      }
    }
    const node = original.nodeId ? pb.nodes.get(original.nodeId) : undefined;
    if (!node) {
      incident(ctx, ctx.mutable(original), `Waiting at node "${original.nodeId}", which is not in ${pb.id} version ${pb.version}`);
      continue;
    }
    // checkWait does not write the instance: it is copied only when its wake time or node changes.
    const res = checkWait(ctx, original, node, true);
    if ('end' in res) {
      const inst = ctx.mutable(original);
      step(ctx, inst, node.id, 'cannot wait', res.end);
      endRun(ctx, inst, 'completed', res.end);
      continue;
    }
    if (!res.go) {
      if (checkedWakeAt !== original.wakeAt) ctx.mutable(original).wakeAt = checkedWakeAt;
      continue;
    }
    const inst = ctx.mutable(original);
    step(ctx, inst, node.id, res.outcome, res.detail);
    inst.nodeId = null;
    inst.wakeAt = null;
    inst.waitStartedAt = null;
    runFrom(ctx, pb, inst, res.next, {});
  }
}

/** closeWhen: open tasks whose close condition now holds are closed. */
export function closeSatisfiedTasks(ctx: EvalContext): void {
  const byPlaybook = ctx.lib.closeWhenByPlaybook;
  if (byPlaybook.size === 0) return;
  // A snapshot: closing replaces entries of the task index. Most evaluations create no task,
  // and then the input list is that snapshot (no index built, no copy).
  const tasks = ctx.tasksIndexed() ? [...ctx.tasks.values()] : ctx.inputTaskList();
  for (const t of tasks) {
    if (t.status !== 'open') continue;
    const rule = byPlaybook.get(t.playbookId)?.get(t.playbookVersion)?.get(t.nodeId);
    if (rule && holds(rule, ctx.conditionData(), ctx.nowMs)) closeTask(ctx, t.id, `Closed automatically: ${rule.text}`);
  }
}
