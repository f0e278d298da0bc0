import { describe, expect, it } from 'vitest';
import { inDueWindow } from '../server/routes/task-view.js';
import type { Task } from '../engine/types.js';

const now = Date.parse('2026-11-22T13:15:00.000Z');
const due = (dueAt: string) => ({ dueAt }) as Task;

describe('queue due windows', () => {
  it('puts an overdue task in "overdue" only, never also in "today" or "this week"', () => {
    const t = due('2026-11-22T09:00:00.000Z');
    expect([inDueWindow(t, 'overdue', now), inDueWindow(t, 'today', now), inDueWindow(t, 'week', now)]).toEqual([true, false, false]);
  });
  it('counts a task due later today as today and this week', () => {
    const t = due('2026-11-22T18:00:00.000Z');
    expect([inDueWindow(t, 'overdue', now), inDueWindow(t, 'today', now), inDueWindow(t, 'week', now)]).toEqual([false, true, true]);
  });
  it('ends "this week" after the seventh calendar day, today included', () => {
    expect(inDueWindow(due('2026-11-28T23:00:00.000Z'), 'week', now)).toBe(true);
    expect(inDueWindow(due('2026-11-29T00:30:00.000Z'), 'week', now)).toBe(false);
    expect(inDueWindow(due('2026-11-24T00:30:00.000Z'), 'today', now)).toBe(false);
  });
});
