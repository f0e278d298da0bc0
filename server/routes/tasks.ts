/**
 * Tasks (CTAs): the CSM's queue, one task with its context, why it exists, and the
 * actions on it (steps, complete, snooze, reassign, flag red, bulk).
 */
import { Router } from 'express';
import type { AuthedUser, ServerContext } from '../context.js';
import { hasRole } from '../auth/roles.js';
import type { AccountSummary, TaskPatch } from '../store/types.js';
import type { Task } from '../../engine/types.js';
import type { Playbook } from '../../engine/schema/definitions.js';
import { describeRule } from '../../engine/conditions/index.js';
import { assertValid } from '../http/validate.js';
import { HttpError, badRequest, conflict, notFound } from '../http/errors.js';
import { userOf } from '../auth/middleware.js';
import { priorityRank } from '../store/shared.js';
import { accountSummary, pageOf } from './accounts.js';
import { assertCanChange, inDueWindow, playbookNameOf, renderEmail, type DueWindow } from './task-view.js';
import { dictionaryOf } from '../ingest/dictionary.js';

export const queueQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    owner: { type: 'string', maxLength: 200, description: '"me" (default: your tasks and those waiting for your team role) or a user id' },
    type: { enum: ['risk', 'opportunity', 'lifecycle', 'activity'] },
    priority: { enum: ['urgent', 'high', 'medium', 'low'] },
    due: { enum: ['overdue', 'today', 'week'] },
    tier: { type: 'string', maxLength: 100 },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
    offset: { type: 'string', pattern: '^[0-9]{1,9}$' },
  },
} as const;

export const stepSchema = { type: 'object', required: ['done'], additionalProperties: false, properties: { done: { type: 'boolean' } } } as const;
export const snoozeSchema = { type: 'object', required: ['until'], additionalProperties: false, properties: { until: { type: 'string', format: 'date-time' } } } as const;
export const reassignSchema = { type: 'object', required: ['owner'], additionalProperties: false, properties: { owner: { type: 'string', minLength: 1, maxLength: 200 } } } as const;
export const flagSchema = { type: 'object', required: ['red'], additionalProperties: false, properties: { red: { type: 'boolean' } } } as const;
export const completeSchema = { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 2000 } } } as const;
export const bulkSchema = {
  type: 'object', required: ['ids', 'action'], additionalProperties: false,
  properties: {
    ids: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 500, uniqueItems: true },
    action: { enum: ['complete', 'snooze'] },
    until: { type: 'string', format: 'date-time' },
  },
} as const;

/** The most open tasks one queue request looks at (a CSM's book rarely has more than a few hundred). */
const QUEUE_SCAN = 5000;

export function tasksRouter(ctx: ServerContext): Router {
  const r = Router();
  const nowIso = () => ctx.clock.now().toISOString();

  async function loadTask(id: string): Promise<Task> {
    const t = await ctx.store.getTask(id);
    if (!t) throw notFound(`No task "${id}"`);
    return t;
  }

  /** The queue rows' account summaries, by id (columns only: no account document is parsed). */
  async function summariesById(ids: string[]): Promise<Map<string, AccountSummary>> {
    const list = await ctx.store.accountSummaries([...new Set(ids)]);
    return new Map(list.map((a) => [a.id, a]));
  }

  /** Applies a change after checking it is allowed; returns the updated task. */
  async function change(user: AuthedUser, task: Task, patch: Omit<TaskPatch, 'updatedAt' | 'by'>, opts: { requireOpen?: boolean; markDue?: boolean } = {}): Promise<Task> {
    assertCanChange(user, task);
    if (opts.requireOpen !== false && task.status !== 'open') throw conflict(`Task ${task.id} is ${task.status}, not open`);
    const updated = await ctx.store.updateTask(task.id, { ...patch, updatedAt: nowIso(), by: user.id });
    if (!updated) throw notFound(`No task "${task.id}"`);
    // The engine may be waiting on this task (task-done waits, CTA-linked health): look again now.
    if (opts.markDue) {
      await ctx.store.markDue(nowIso(), [task.accountId]);
      ctx.kickWorker();
    }
    return updated;
  }

  async function complete(user: AuthedUser, task: Task, note?: string): Promise<Task> {
    const at = nowIso();
    const updated = await change(user, task, { status: 'done', completedAt: at, snoozedUntil: null, note: note ? `completed: ${note}` : 'completed' }, { markDue: true });
    await ctx.store.addTimeline([{ id: `task-done-${task.id}`, accountId: task.accountId, at, kind: 'task', subtype: 'completed', text: `Task completed: ${task.title}${note ? ` (${note})` : ''}`, by: user.id, data: { taskId: task.id } }]);
    return updated;
  }

  function checkFuture(until: string, path: string): string {
    const iso = new Date(until).toISOString();
    if (iso <= nowIso()) throw badRequest('Request body is invalid', [{ path, message: 'must be in the future' }]);
    return iso;
  }

  async function snooze(user: AuthedUser, task: Task, until: string): Promise<Task> {
    return change(user, task, { snoozedUntil: until, note: `snoozed until ${until}` });
  }

  r.get('/api/tasks/queue', ctx.requireRole('viewer'), async (req, res) => {
    const q = assertValid<Record<string, string>>(queueQuery, { ...req.query }, 'Query');
    const user = userOf(res);
    const owners = !q.owner || q.owner === 'me' ? [user.id, ...(user.teamRole ? [`role:${user.teamRole}`] : [])] : [q.owner];
    const now = ctx.clock.now();
    const nowMs = now.getTime();
    // Heads only (id, account, type, priority, due, flag): counts and filters run on these, and
    // only the page's tasks and accounts are read in full.
    const lists = await Promise.all(owners.map((owner) => ctx.store.listTaskHeads({ owner, status: 'open', visibleAt: now.toISOString() }, QUEUE_SCAN)));
    let all = lists.flat();
    if (owners.length > 1) all.sort((a, b) => priorityRank(a.priority) - priorityRank(b.priority) || a.dueAt.localeCompare(b.dueAt) || a.id.localeCompare(b.id));
    // With a tier filter every queued task's account summary is read once here, and serves the page too.
    const summaries = q.tier ? await summariesById(all.map((t) => t.accountId)) : null;
    if (summaries) all = all.filter((t) => summaries.get(t.accountId)?.tier === q.tier);

    const counts = {
      total: all.length,
      overdue: all.filter((t) => inDueWindow(t, 'overdue', nowMs)).length,
      today: all.filter((t) => inDueWindow(t, 'today', nowMs)).length,
      week: all.filter((t) => inDueWindow(t, 'week', nowMs)).length,
      flagged: all.filter((t) => t.flaggedRed).length,
      byType: tally(all.map((t) => t.type)),
      byPriority: tally(all.map((t) => t.priority)),
    };
    const filtered = all.filter((t) => (!q.type || t.type === q.type) && (!q.priority || t.priority === q.priority) && (!q.due || inDueWindow(t, q.due as DueWindow, nowMs)));
    const page = pageOf(q, 100, 1000);
    const pageHeads = filtered.slice(page.offset, page.offset + page.limit);
    const ids = pageHeads.map((t) => t.id);
    const [tasks, accounts] = await Promise.all([
      ids.length ? ctx.store.listTasks({ ids }, { limit: ids.length, offset: 0 }) : Promise.resolve({ items: [] as Task[], total: 0 }),
      summaries ?? summariesById(pageHeads.map((t) => t.accountId)),
    ]);
    const byId = new Map(tasks.items.map((t) => [t.id, t]));
    // A task changed between the two reads (e.g. completed a moment ago) is left out of this page.
    const items = pageHeads.flatMap((h) => {
      const t = byId.get(h.id);
      if (!t) return [];
      const a = accounts.get(t.accountId);
      return [{
        ...t,
        account: { id: t.accountId, name: a?.name ?? t.accountId, tier: a?.tier ?? null, mrr: a?.mrr ?? null, renewalDate: a?.renewalDate ?? null, health: a?.health ?? null },
        playbookName: playbookNameOf(ctx, t.playbookId, t.reason?.source),
        overdue: Date.parse(t.dueAt) < nowMs,
      }];
    });
    res.json({ items, total: filtered.length, counts, owners });
  });

  r.post('/api/tasks/bulk', ctx.requireRole('csm'), async (req, res) => {
    const body = assertValid<{ ids: string[]; action: 'complete' | 'snooze'; until?: string }>(bulkSchema, req.body);
    const user = userOf(res);
    if (body.action === 'snooze' && !body.until) throw badRequest('Request body is invalid', [{ path: '/until', message: 'is required to snooze' }]);
    const until = body.until ? checkFuture(body.until, '/until') : undefined;
    const updated: string[] = [];
    const failed: { id: string; status: number; message: string }[] = [];
    for (const id of body.ids) {
      try {
        const task = await loadTask(id);
        if (body.action === 'complete') await complete(user, task);
        else await snooze(user, task, until!);
        updated.push(id);
      } catch (e) {
        if (!(e instanceof HttpError)) throw e;
        failed.push({ id, status: e.status, message: e.message });
      }
    }
    res.json({ updated, failed });
  });

  r.get('/api/tasks/:id', ctx.requireRole('viewer'), async (req, res) => {
    const task = await loadTask(String(req.params.id));
    const rec = await ctx.store.getAccount(task.accountId);
    const email = renderEmail(task);
    const timeline = rec ? (await ctx.store.listTimeline(task.accountId, { limit: 10, offset: 0 })).items : [];
    res.json({
      task,
      account: rec ? { ...accountSummary(rec), stages: rec.state?.journeys ?? {} } : null,
      health: rec?.state?.health ?? null,
      email: email ? { to: email.to, subject: email.subject, body: email.body } : null,
      emailHtml: email?.html ?? null,
      playbook: { id: task.playbookId, version: task.playbookVersion, name: playbookNameOf(ctx, task.playbookId, task.reason?.source) },
      timeline,
    });
  });

  r.get('/api/tasks/:id/audit', ctx.requireRole('viewer'), async (req, res) => {
    const task = await loadTask(String(req.params.id));
    const reason = task.reason;
    const version = reason ? await ctx.store.getVersion(reason.definitionId, reason.version) : null;
    const def = version?.content;
    const node = def?.kind === 'playbook' ? (def as Playbook).nodes.find((n) => n.id === reason.nodeId) ?? null : null;
    let conditionText: string | null = null;
    if (reason?.condition !== undefined) {
      try {
        conditionText = describeRule(reason.condition, dictionaryOf(ctx));
      } catch {
        conditionText = null;
      }
    }
    const history = await ctx.store.listTaskAudit(task.id);
    res.json({
      taskId: task.id,
      key: task.key,
      reasonText: task.reasonText,
      source: reason?.source ?? null,
      definition: { id: reason?.definitionId ?? task.playbookId, version: reason?.version ?? task.playbookVersion, name: def && 'name' in def ? def.name : playbookNameOf(ctx, task.playbookId), kind: def?.kind ?? null },
      node: { id: reason?.nodeId ?? task.nodeId, kind: node?.kind ?? null, label: node?.label ?? null },
      trigger: reason?.trigger ?? null,
      condition: reason?.condition ?? null,
      conditionText,
      values: reason?.values ?? {},
      at: reason?.at ?? task.createdAt,
      history,
    });
  });

  r.post('/api/tasks/:id/steps/:stepId', ctx.requireRole('csm'), async (req, res) => {
    const body = assertValid<{ done: boolean }>(stepSchema, req.body);
    const user = userOf(res);
    const task = await loadTask(String(req.params.id));
    const stepId = String(req.params.stepId);
    if (!task.steps.some((s) => s.id === stepId)) throw notFound(`Task ${task.id} has no step "${stepId}"`);
    const at = nowIso();
    const steps = task.steps.map((s) => (s.id !== stepId ? s : body.done ? { ...s, done: true, doneAt: at, doneBy: user.id } : { id: s.id, title: s.title, dueAt: s.dueAt, done: false }));
    const title = task.steps.find((s) => s.id === stepId)!.title;
    res.json({ task: await change(user, task, { steps, note: `step "${title}" ${body.done ? 'done' : 'not done'}` }) });
  });

  r.post('/api/tasks/:id/complete', ctx.requireRole('csm'), async (req, res) => {
    const body = assertValid<{ note?: string }>(completeSchema, req.body ?? {});
    const task = await loadTask(String(req.params.id));
    res.json({ task: await complete(userOf(res), task, body.note) });
  });

  r.post('/api/tasks/:id/snooze', ctx.requireRole('csm'), async (req, res) => {
    const body = assertValid<{ until: string }>(snoozeSchema, req.body);
    const until = checkFuture(body.until, '/until');
    const task = await loadTask(String(req.params.id));
    res.json({ task: await snooze(userOf(res), task, until) });
  });

  r.post('/api/tasks/:id/reassign', ctx.requireRole('csm'), async (req, res) => {
    const body = assertValid<{ owner: string }>(reassignSchema, req.body);
    const task = await loadTask(String(req.params.id));
    const target = await ctx.store.getUser(body.owner);
    if (!target) throw badRequest('Request body is invalid', [{ path: '/owner', message: `no user "${body.owner}"` }]);
    // The new owner must be able to work it: a read-only user could see the task and do nothing with it.
    if (!hasRole(target.roles, ['csm'])) {
      throw badRequest('Request body is invalid', [{ path: '/owner', message: `${target.name} (${target.id}) has the ${target.roles.join(', ') || 'no'} role and cannot work tasks; choose a CSM` }]);
    }
    res.json({ task: await change(userOf(res), task, { owner: target.id, note: `reassigned from ${task.owner} to ${target.id}` }) });
  });

  r.post('/api/tasks/:id/flag', ctx.requireRole('csm'), async (req, res) => {
    const body = assertValid<{ red: boolean }>(flagSchema, req.body);
    const task = await loadTask(String(req.params.id));
    res.json({ task: await change(userOf(res), task, { flaggedRed: body.red, note: body.red ? 'flagged red for escalation' : 'red flag cleared' }, { markDue: true }) });
  });

  return r;
}

function tally(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

const err = { $ref: '#/components/responses/Error' };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const json = (schema: object) => ({ required: true, content: { 'application/json': { schema } } });
const action = (summary: string, schema: object | null, extraParams: object[] = []) => ({
  post: {
    tags: ['tasks'], summary, parameters: [idParam, ...extraParams],
    ...(schema ? { requestBody: json(schema) } : {}),
    responses: { 200: { description: '{ task }' }, 400: err, 403: err, 404: err, 409: err },
  },
});

export const tasksOpenApi = {
  '/api/tasks/queue': {
    get: {
      tags: ['tasks'], summary: 'A queue of open tasks, by priority then due date, with account summary, playbook name, reason and counts (viewer+)',
      parameters: Object.entries(queueQuery.properties).map(([name, schema]) => ({ name, in: 'query', schema })),
      responses: { 200: { description: '{ items, total, counts: { total, overdue, today, week, flagged, byType, byPriority } }' }, 400: err },
    },
  },
  '/api/tasks/bulk': {
    post: { tags: ['tasks'], summary: 'Complete or snooze several tasks (each checked as if done one by one)', requestBody: json(bulkSchema), responses: { 200: { description: '{ updated: string[], failed: [{ id, status, message }] }' }, 400: err } },
  },
  '/api/tasks/{id}': {
    get: { tags: ['tasks'], summary: 'One task with account context, health, email draft rendered (HTML-escaped) and playbook', parameters: [idParam], responses: { 200: { description: '{ task, account, health, email, emailHtml, playbook, timeline }' }, 404: err } },
  },
  '/api/tasks/{id}/audit': {
    get: { tags: ['tasks'], summary: 'Why the task exists: playbook, version, node, condition, values, time; and its change history', parameters: [idParam], responses: { 200: { description: 'The audit record' }, 404: err } },
  },
  '/api/tasks/{id}/steps/{stepId}': action('Mark a checklist step done or not done', stepSchema, [{ name: 'stepId', in: 'path', required: true, schema: { type: 'string' } }]),
  '/api/tasks/{id}/complete': action('Complete the task', completeSchema),
  '/api/tasks/{id}/snooze': action('Hide the task from the queue until a time', snoozeSchema),
  '/api/tasks/{id}/reassign': action('Give the task to another user', reassignSchema),
  '/api/tasks/{id}/flag': action('Flag the task red for escalation (or clear it)', flagSchema),
};
