/**
 * Helpers the task routes share: permissions, due windows, rendering an email draft and
 * the account context a task is shown with.
 */
import type { AuthedUser, ServerContext } from '../context.js';
import type { AccountRecord } from '../store/types.js';
import type { Task } from '../../engine/types.js';
import { buildConditionData } from '../../engine/conditions/index.js';
import { renderTemplate, renderTemplateHtml } from '../../engine/templates/index.js';
import { canActForOthers } from '../auth/roles.js';
import { forbidden } from '../http/errors.js';

export const DAY_MS = 86_400_000;

/** Publisher/admin act on any task; others on tasks they own or that wait for their team role. */
export function canChangeTask(user: AuthedUser, task: Task): boolean {
  if (canActForOthers(user.roles)) return true;
  if (task.owner === user.id) return true;
  return !!user.teamRole && task.owner === `role:${user.teamRole}`;
}

export function assertCanChange(user: AuthedUser, task: Task): void {
  if (!canChangeTask(user, task)) {
    throw forbidden(`Task ${task.id} belongs to ${task.owner}; you can change only your own tasks`);
  }
}

/** End of the UTC day containing now. */
export function endOfDay(nowMs: number): number {
  return Math.floor(nowMs / DAY_MS) * DAY_MS + DAY_MS;
}

export type DueWindow = 'overdue' | 'today' | 'week';

export function inDueWindow(task: Task, window: DueWindow, nowMs: number): boolean {
  const due = Date.parse(task.dueAt);
  if (window === 'overdue') return due < nowMs;
  if (window === 'today') return due < endOfDay(nowMs);
  return due < nowMs + 7 * DAY_MS;
}

/** Everything a template can read about the account, as the engine builds it. */
export function templateData(rec: AccountRecord, nowMs: number) {
  const journey: Record<string, { stage: string; daysInStage: number }> = {};
  for (const [id, pos] of Object.entries(rec.state?.journeys ?? {})) {
    journey[id] = { stage: pos.stage, daysInStage: Math.max(0, Math.floor((nowMs - Date.parse(pos.enteredAt)) / DAY_MS)) };
  }
  return buildConditionData({
    fields: rec.account.fields,
    tags: rec.account.tags,
    flags: rec.account.flags,
    health: rec.state?.health ?? null,
    journey,
  });
}

/** The task's email draft with the account's current data; the body as escaped HTML. */
export function renderEmail(task: Task, rec: AccountRecord | null, nowMs: number): { to: string | null; subject: string; bodyText: string; html: string } | null {
  if (!task.email) return null;
  const data = rec ? templateData(rec, nowMs) : buildConditionData({ fields: {}, tags: [], flags: {} });
  return {
    to: task.email.to ? renderTemplate(task.email.to, data, nowMs) : null,
    subject: renderTemplate(task.email.subject, data, nowMs),
    bodyText: renderTemplate(task.email.body, data, nowMs),
    html: renderTemplateHtml(task.email.body, data, nowMs),
  };
}

export function playbookNameOf(ctx: ServerContext, playbookId: string, source?: string): string {
  try {
    const input = ctx.library.currentInput();
    const pb = input.playbooks.find((p) => p.def.id === playbookId);
    if (pb) return pb.def.name;
    const j = input.journeys.find((p) => p.def.id === playbookId);
    if (j) return j.def.name;
  } catch {
    // library not loaded: fall back to the id
  }
  return source === 'manual' ? 'Manual task' : playbookId;
}
