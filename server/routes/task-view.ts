/**
 * Helpers the task routes share: permissions, due windows, rendering an email draft and
 * the account context a task is shown with.
 */
import type { AuthedUser, ServerContext } from '../context.js';
import type { Task } from '../../engine/types.js';
import { escapeHtml } from '../../engine/templates/index.js';
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

export function inDueWindow(task: Pick<Task, 'dueAt'>, window: DueWindow, nowMs: number): boolean {
  const due = Date.parse(task.dueAt);
  // Windows do not overlap with overdue: an overdue task is not also "due today" (as the queue page shows).
  if (window === 'overdue') return due < nowMs;
  if (due < nowMs) return false;
  if (window === 'today') return due < endOfDay(nowMs);
  return due < endOfDay(nowMs) + 6 * DAY_MS;
}

/**
 * The task's email draft as HTML. The engine renders merge fields when it creates the task
 * (with the account's data and the triggering event, e.g. the NPS comment), so the stored
 * text is literal: every character is escaped and line breaks become <br>, exactly what
 * renderTemplateHtml does to template text. Re-rendering it as a template would let a
 * customer-supplied value such as "{{account.mrr}}" be expanded.
 */
export function renderEmail(task: Task): { to: string | null; subject: string; body: string; html: string } | null {
  if (!task.email) return null;
  return {
    to: task.email.to || null,
    subject: task.email.subject,
    body: task.email.body,
    html: escapeHtml(task.email.body).replace(/\r\n|\r|\n/g, '<br>'),
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
