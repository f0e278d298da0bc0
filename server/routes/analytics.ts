/**
 * /api/analytics/...: journey funnel, health mix and expected retention, CTA volume,
 * MRR churn and the team view. Viewers and up; each filterable by owner, tier, segment.
 */
import { Router, type Request } from 'express';
import type { ServerContext } from '../context.js';
import type { Journey } from '../../engine/schema/definitions.js';
import { assertValid } from '../http/validate.js';
import { notFound, badRequest } from '../http/errors.js';
import { computeFunnel } from '../analytics/funnel.js';
import { computeHealthMix } from '../analytics/health.js';
import { computeCtaVolume, type Interval } from '../analytics/cta.js';
import { computeChurn } from '../analytics/churn.js';
import { computeTeam } from '../analytics/team.js';
import type { TaskFilter } from '../store/types.js';
import { isCsm, resolveOwner, teamRoleLabel } from '../analytics/people.js';
import { churnedAt, hasBookFilter, healthColor, isChurned, loadAccounts, loadTasks, num, stageOf, startedAt, str, type BookFilter } from '../analytics/load.js';

const DAY = 86_400_000;
const text = { type: 'string', minLength: 1, maxLength: 200 };
const book = { owner: text, tier: text, segment: text };
const funnelQuery = { type: 'object', additionalProperties: false, properties: { ...book, journey: text } };
const bookQuery = { type: 'object', additionalProperties: false, properties: book };
const ctaQuery = {
  type: 'object', additionalProperties: false,
  properties: { ...book, from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, interval: { enum: ['week', 'month'] } },
};
const churnQuery = { type: 'object', additionalProperties: false, properties: { ...book, months: { type: 'string', pattern: '^[0-9]{1,2}$' } } };
const teamQuery = { type: 'object', additionalProperties: false, properties: { ...book, journey: text } };

type Q = Record<string, string | undefined>;

function query(req: Request, schema: object): Q {
  // Repeated parameters arrive as arrays; take the last, like most APIs.
  const q: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(req.query)) q[k] = Array.isArray(v) ? v[v.length - 1] : v;
  return assertValid<Q>(schema, q, 'Query');
}

function bookOf(q: Q): BookFilter {
  return { owner: q.owner, tier: q.tier, segment: q.segment };
}

export function analyticsRouter(ctx: ServerContext): Router {
  const r = Router();
  const viewer = ctx.requireRole('viewer');

  function journeyOf(id: string | undefined): Journey {
    const journeys = ctx.library.currentInput().journeys;
    const newest = new Map<string, { def: Journey; version: number }>();
    for (const j of journeys) if ((newest.get(j.def.id)?.version ?? -1) < j.version) newest.set(j.def.id, j);
    if (id) {
      const j = newest.get(id);
      if (!j) throw notFound(`No live journey "${id}"`);
      return j.def;
    }
    const first = [...newest.values()].sort((a, b) => a.def.id.localeCompare(b.def.id))[0];
    if (!first) throw notFound('No journey has been published yet');
    return first.def;
  }

  async function userNames(): Promise<Map<string, string>> {
    return new Map((await ctx.store.listUsers()).map((u) => [u.id, u.name]));
  }

  /** Tasks matching the filter; for one owner, also the role queue that only they hold (it is their work too). */
  async function tasksOf(f: TaskFilter, owner: string | undefined) {
    if (!owner) return loadTasks(ctx.store, f);
    const own = await loadTasks(ctx.store, { ...f, owner });
    const users = await ctx.store.listUsers();
    const teamRole = users.find((u) => u.id === owner)?.teamRole;
    if (!teamRole || resolveOwner(`role:${teamRole}`, users).userId !== owner) return own;
    return [...own, ...(await loadTasks(ctx.store, { ...f, owner: `role:${teamRole}` }))];
  }

  r.get('/analytics/funnel', viewer, async (req, res) => {
    const q = query(req, funnelQuery);
    const journey = journeyOf(q.journey);
    const filter = bookOf(q);
    const records = await loadAccounts(ctx.store, filter);
    const ids = hasBookFilter(filter) ? records.map((a) => a.account.id) : undefined;
    const changes = ids && ids.length === 0 ? [] : await ctx.store.listStageChanges({ journeyId: journey.id, accountIds: ids });
    const accounts = records.map((a) => ({ id: a.account.id, ...stageOf(a, journey.id), churned: isChurned(a) }));
    res.json({ filter, ...computeFunnel(journey, accounts, changes, ctx.clock.now().toISOString()) });
  });

  r.get('/analytics/health-mix', viewer, async (req, res) => {
    const q = query(req, bookQuery);
    const filter = bookOf(q);
    // The live book: churned accounts have no renewal left to forecast.
    const records = (await loadAccounts(ctx.store, filter)).filter((a) => !isChurned(a));
    const accounts = records.map((a) => ({ mrr: num(a.account.fields.mrr), color: healthColor(a), scorecardId: a.state?.health?.scorecardId ?? null }));
    res.json({ filter, ...computeHealthMix(accounts, ctx.library.currentInput().scorecards) });
  });

  r.get('/analytics/cta-volume', viewer, async (req, res) => {
    const q = query(req, ctaQuery);
    const filter = bookOf(q);
    const interval = (q.interval ?? 'week') as Interval;
    const now = ctx.clock.now();
    const to = q.to ? new Date(q.to).toISOString() : now.toISOString();
    const from = q.from ? new Date(q.from).toISOString() : new Date(Date.parse(to) - (interval === 'week' ? 12 * 7 : 365) * DAY).toISOString();
    if (from >= to) throw badRequest('Query is invalid', [{ path: '/from', message: 'must be before to' }]);
    if (Date.parse(to) - Date.parse(from) > 3 * 366 * DAY) throw badRequest('Query is invalid', [{ path: '/from', message: 'the range can be at most 3 years' }]);
    // A millisecond of slack each side whatever the store's bounds are; computeCtaVolume applies the exact range.
    const slack = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
    let tasks = await tasksOf({ createdAfter: slack(from, -1), createdBefore: slack(to, 1) }, filter.owner);
    if (filter.tier || filter.segment) {
      const ids = new Set((await loadAccounts(ctx.store, { tier: filter.tier, segment: filter.segment })).map((a) => a.account.id));
      tasks = tasks.filter((t) => ids.has(t.accountId));
    }
    // Role-owned tasks count for the user whose team role matches (they are in that person's queue).
    const users = await ctx.store.listUsers();
    const queueOwner = new Map<string, string>();
    const labels = new Map<string, string>();
    for (const t of tasks) {
      if (queueOwner.has(t.owner)) continue;
      const r = resolveOwner(t.owner, users);
      queueOwner.set(t.owner, r.userId ?? t.owner);
      labels.set(r.userId ?? t.owner, r.name);
    }
    const report = computeCtaVolume(tasks.map((t) => ({ ...t, owner: queueOwner.get(t.owner) ?? t.owner })), from, to, interval);
    res.json({ filter, ...report, owners: report.owners.map((o) => ({ ...o, name: labels.get(o.owner) ?? o.owner })) });
  });

  r.get('/analytics/churn', viewer, async (req, res) => {
    const q = query(req, churnQuery);
    const months = q.months === undefined ? 12 : Number(q.months);
    if (months < 1 || months > 36) throw badRequest('Query is invalid', [{ path: '/months', message: 'must be from 1 to 36' }]);
    const filter = bookOf(q);
    const records = await loadAccounts(ctx.store, filter);
    const accounts = records.map((a) => ({ mrr: num(a.account.fields.mrr), startedAt: startedAt(a), churnedAt: churnedAt(a) }));
    res.json({ filter, ...computeChurn(accounts, ctx.clock.now().toISOString(), months) });
  });

  r.get('/analytics/team', viewer, async (req, res) => {
    const q = query(req, teamQuery);
    const filter = bookOf(q);
    const now = ctx.clock.now().toISOString();
    let journey: Journey | null = null;
    try {
      journey = journeyOf(q.journey);
    } catch (err) {
      if (q.journey) throw err;
    }
    const records = await loadAccounts(ctx.store, filter);
    const ids = new Set(records.map((a) => a.account.id));
    let tasks = await tasksOf({ status: 'open' }, filter.owner);
    if (filter.tier || filter.segment) tasks = tasks.filter((t) => ids.has(t.accountId));
    const changes = journey && ids.size ? await ctx.store.listStageChanges({ journeyId: journey.id, accountIds: hasBookFilter(filter) ? [...ids] : undefined }) : [];
    const users = await ctx.store.listUsers();
    // The team: the CSMs, and whoever owns accounts (an owner id without a user still shows).
    const people = new Map<string, string>();
    for (const u of users) if (isCsm(u)) people.set(u.id, u.name);
    for (const a of records) {
      const o = str(a.account.fields.owner);
      if (o && !people.has(o)) people.set(o, users.find((u) => u.id === o)?.name ?? o);
    }
    let list = [...people.entries()].map(([id, name]) => ({ id, name }));
    if (filter.owner) list = list.filter((p) => p.id === filter.owner);
    const accounts = records.map((a) => ({
      id: a.account.id, owner: str(a.account.fields.owner), color: healthColor(a), mrr: num(a.account.fields.mrr), churned: isChurned(a),
      ...(journey ? stageOf(a, journey.id) : { stage: null, enteredAt: null }),
    }));
    // Role-owned tasks are in the queue of the user with that team role: count them in that person's workload.
    const teamTasks = tasks.map((t) => ({ owner: resolveOwner(t.owner, users).userId ?? t.owner, dueAt: t.dueAt, status: t.status }));
    const result = computeTeam(list, accounts, teamTasks, journey, changes, now);
    result.members.sort((a, b) => a.name.localeCompare(b.name));
    // People outside the CSM team who work a queue (support, management): their open work, not a book.
    const queues: { id: string; name: string; teamRole: string | null; openTasks: number; overdueTasks: number }[] = [];
    const byOwner = new Map<string, { open: number; overdue: number }>();
    for (const t of teamTasks) {
      if (people.has(t.owner)) continue;
      const c = byOwner.get(t.owner) ?? { open: 0, overdue: 0 };
      c.open++;
      if (t.dueAt < now) c.overdue++;
      byOwner.set(t.owner, c);
    }
    for (const [id, c] of byOwner) {
      const u = users.find((x) => x.id === id);
      const name = u?.name ?? (id.startsWith('role:') ? `${teamRoleLabel(id.slice(5))} queue` : id);
      queues.push({ id, name, teamRole: u?.teamRole ?? (id.startsWith('role:') ? id.slice(5) : null), openTasks: c.open, overdueTasks: c.overdue });
    }
    queues.sort((a, b) => a.name.localeCompare(b.name));
    res.json({ filter, ...result, queues });
  });

  return r;
}


// ---------- OpenAPI ----------

const qp = (name: string, description: string, schema: object = { type: 'string' }) => ({ name, in: 'query', required: false, schema, description });
const bookParams = [qp('owner', 'CSM user id'), qp('tier', 'e.g. tier-1'), qp('segment', 'e.g. high-touch')];
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const errs = {
  '400': { description: 'Invalid query', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  '401': { description: 'Not signed in' }, '403': { description: 'Missing role' },
};

export const analyticsOpenApi: Record<string, object> = {
  '/api/analytics/funnel': { get: { tags: ['analytics'], summary: 'Journey funnel: accounts per stage now and ever, conversion to the next stage, median days in stage vs target', parameters: [qp('journey', 'Journey id (default: the first live journey)'), ...bookParams], responses: { '200': ok('Funnel'), '404': { description: 'Unknown journey' }, ...errs } } },
  '/api/analytics/health-mix': { get: { tags: ['analytics'], summary: 'Accounts per health colour, share, expected retention (by count and MRR) from the scorecards\' renewal rates', parameters: bookParams, responses: { '200': ok('Health mix'), ...errs } } },
  '/api/analytics/cta-volume': { get: { tags: ['analytics'], summary: 'Tasks created per week (or month) by type, and by owner (role-owned tasks count for the user with that team role, else "<Team role> queue")', parameters: [qp('from', 'Start (ISO date-time, default 12 weeks ago)', { type: 'string', format: 'date-time' }), qp('to', 'End, inclusive (default now)', { type: 'string', format: 'date-time' }), qp('interval', 'week (default) or month', { enum: ['week', 'month'] }), ...bookParams], responses: { '200': ok('CTA volume'), ...errs } } },
  '/api/analytics/churn': { get: { tags: ['analytics'], summary: 'Revenue churn per month: MRR cancelled during the month / MRR at its start', parameters: [qp('months', 'How many months back, 1-36 (default 12)', { type: 'integer', minimum: 1, maximum: 36 }), ...bookParams], responses: { '200': ok('Churn'), ...errs } } },
  '/api/analytics/team': { get: { tags: ['analytics'], summary: 'Per CSM (members): open and overdue tasks (role-owned ones included for the holder of the team role), accounts by health colour, journey conversion per step; queues: open and overdue tasks of people outside the CSM team (support, management)', parameters: [qp('journey', 'Journey id'), ...bookParams], responses: { '200': ok('Team'), ...errs } } },
};
