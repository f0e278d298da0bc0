/**
 * Task (CTA) creation from a TaskSpec: merge fields rendered, due dates from the clock,
 * owner resolved, the reason recorded for audit. An open task of the same kind on the
 * account is refreshed instead of duplicated.
 */
import type { Owner, TaskSpec } from '../schema/definitions.js';
import type { Effect, Reason, Task, TaskStep } from '../types.js';
import { taskId } from '../ids.js';
import { renderTemplate } from './deps.js';
import type { CompiledTaskSpec } from './compile.js';
import { EvalContext, addDays, isoDate } from './context.js';

/** Who gets a task when the account has no owner. */
export const UNOWNED_ACCOUNT_OWNER = 'role:csm';

/** The task owner: a user id, "role:<role>", or the account's owner field. */
export function resolveOwner(owner: Owner, accountOwner: unknown): string {
  if (owner.type === 'user') return owner.user;
  if (owner.type === 'role') return `role:${owner.role}`;
  const o = accountOwner;
  return typeof o === 'string' && o !== '' ? o : UNOWNED_ACCOUNT_OWNER;
}

export interface TaskOrigin {
  key: string;
  definitionId: string;
  version: number;
  nodeId: string;
  instanceId: string | null;
  reason: Reason;
  /** Used when the spec has no reason template. */
  fallbackReasonText: string;
  /**
   * Which open task is "the same kind" (refreshed rather than duplicated): one of this
   * playbook/journey, and of this type, at this node, of another run - those given. Data, not
   * a callback, so no closure is made per task node visited.
   */
  sameKind: SameKind;
}

export interface SameKind {
  playbookId: string;
  type?: string;
  nodeId?: string;
  /** The task belongs to another run than this one. */
  notInstance?: string;
}

function isSameKind(t: Task, k: SameKind): boolean {
  return t.playbookId === k.playbookId && (k.type === undefined || t.type === k.type) && (k.nodeId === undefined || t.nodeId === k.nodeId) && (k.notInstance === undefined || t.instanceId !== k.notInstance);
}

export interface TaskOutcome {
  taskId: string;
  created: boolean;
  title: string;
}

function render(ctx: EvalContext, text: string): string {
  return renderTemplate(text, ctx.conditionData(), ctx.nowMs);
}

export function createOrRefreshTask(ctx: EvalContext, compiled: CompiledTaskSpec, origin: TaskOrigin): TaskOutcome {
  const spec: TaskSpec = compiled.spec;
  const reasonText = spec.reason ? render(ctx, spec.reason) : origin.fallbackReasonText;
  const dueAt = isoDate(addDays(ctx.nowMs, spec.dueDays));
  const id = taskId(origin.key);

  // The same occurrence again (a replay), or an open CTA of the same kind: refresh it.
  let existing = ctx.tasks.get(id);
  if (!existing || existing.status !== 'open') {
    existing = undefined;
    for (const t of ctx.tasks.values()) {
      if (t.status === 'open' && t.accountId === ctx.accountId && isSameKind(t, origin.sameKind)) {
        existing = t;
        break;
      }
    }
  }
  if (existing) {
    const ex = existing;
    // The very same occurrence (a replay): nothing to do.
    if (ex.id === id) return { taskId: ex.id, created: false, title: ex.title };
    const changes: Extract<Effect, { kind: 'updateTask' }>['changes'] = { reasonText, reason: origin.reason };
    // Keep the earlier due date: a repeat signal must not push an overdue CTA out of sight.
    if (dueAt < ex.dueAt) changes.dueAt = dueAt;
    const note = `Raised again by ${origin.definitionId} v${origin.version} (${origin.reason.trigger}): ${reasonText}`;
    ctx.effects.push({ kind: 'updateTask', taskId: ex.id, changes, note, at: ctx.now });
    ctx.tasks.set(ex.id, { ...ex, ...changes, updatedAt: ctx.now });
    ctx.timeline('task', 'updated', `Task refreshed: ${ex.title} - ${reasonText}`, [ex.id, ctx.now], { taskId: ex.id, playbookId: origin.definitionId });
    return { taskId: ex.id, created: false, title: ex.title };
  }

  const steps: TaskStep[] = (spec.steps ?? []).map((s) => ({
    id: s.id,
    title: render(ctx, s.title),
    dueAt: s.dueDays === undefined ? null : isoDate(addDays(ctx.nowMs, s.dueDays)),
    done: false,
  }));
  let email: Task['email'] = null;
  if (spec.email) {
    email = { subject: render(ctx, spec.email.subject), body: render(ctx, spec.email.body) };
    if (spec.email.to !== undefined) email = { to: render(ctx, spec.email.to), ...email };
  }
  const task: Task = {
    id,
    key: origin.key,
    accountId: ctx.accountId,
    playbookId: origin.definitionId,
    playbookVersion: origin.version,
    nodeId: origin.nodeId,
    instanceId: origin.instanceId,
    title: render(ctx, spec.title),
    type: spec.type,
    priority: spec.priority,
    owner: resolveOwner(spec.owner, ctx.field('owner')),
    status: 'open',
    flaggedRed: false,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    dueAt,
    snoozedUntil: null,
    completedAt: null,
    closedReason: null,
    reasonText,
    reason: origin.reason,
    steps,
    email,
  };
  ctx.tasks.set(id, task);
  ctx.effects.push({ kind: 'createTask', task });
  ctx.timeline('task', 'created', `Task created: ${task.title} - ${reasonText}`, [id], { taskId: id, playbookId: origin.definitionId });
  return { taskId: id, created: true, title: task.title };
}

/** Closes an open task (exit criteria, closeWhen). */
export function closeTask(ctx: EvalContext, id: string, reason: string): boolean {
  const t = ctx.tasks.get(id);
  if (!t || t.status !== 'open') return false;
  ctx.tasks.set(id, { ...t, status: 'closed', closedReason: reason, updatedAt: ctx.now });
  ctx.effects.push({ kind: 'closeTask', taskId: id, reason, at: ctx.now });
  ctx.timeline('task', 'closed', `Task closed: ${t.title} - ${reason}`, [id], { taskId: id, playbookId: t.playbookId });
  return true;
}
