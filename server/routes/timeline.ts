/**
 * The account timeline, and logging an activity on it. An activity is also an event
 * (csm.activity) through the normal ingest path, so it counts as the CSM's update
 * (lastCsmUpdateAt) and can satisfy playbooks waiting for it.
 */
import { Router } from 'express';
import { randomUUID } from 'node:crypto';
import type { ServerContext } from '../context.js';
import type { TimelineEntry } from '../../engine/types.js';
import { assertValid } from '../http/validate.js';
import { HttpError, forbidden, notFound } from '../http/errors.js';
import { userOf } from '../auth/middleware.js';
import { canActForOthers } from '../auth/roles.js';
import { ACTIVITY_KINDS, ingestEvents } from '../ingest/events.js';
import { pageOf } from './accounts.js';

export const activitySchema = {
  type: 'object', required: ['kind', 'summary'], additionalProperties: false,
  properties: {
    kind: { enum: [...ACTIVITY_KINDS] },
    summary: { type: 'string', minLength: 1, maxLength: 10_000 },
    at: { type: 'string', format: 'date-time', description: 'When it happened (default: now); not in the future' },
  },
} as const;

const pageQuery = {
  type: 'object', additionalProperties: false,
  properties: { limit: { type: 'string', pattern: '^[0-9]{1,4}$' }, offset: { type: 'string', pattern: '^[0-9]{1,9}$' } },
} as const;

export function timelineRouter(ctx: ServerContext): Router {
  const r = Router();

  r.get('/api/accounts/:id/timeline', ctx.requireRole('viewer'), async (req, res) => {
    const q = assertValid<{ limit?: string; offset?: string }>(pageQuery, { ...req.query }, 'Query');
    const id = String(req.params.id);
    if (!(await ctx.store.getAccount(id))) throw notFound(`No account "${id}"`);
    const page = await ctx.store.listTimeline(id, pageOf(q, 100, 1000));
    res.json(page);
  });

  r.post('/api/accounts/:id/activities', ctx.requireRole('csm'), async (req, res) => {
    const body = assertValid<{ kind: TimelineEntry['subtype']; summary: string; at?: string }>(activitySchema, req.body);
    const user = userOf(res);
    const id = String(req.params.id);
    const rec = await ctx.store.getAccount(id);
    if (!rec) throw notFound(`No account "${id}"`);
    if (!canActForOthers(user.roles) && rec.account.fields.owner !== user.id) {
      throw forbidden(`You can log activities only on accounts you own; ${id} is owned by ${String(rec.account.fields.owner ?? 'nobody')}`);
    }
    const nowMs = ctx.clock.now().getTime();
    const at = body.at ? new Date(body.at).toISOString() : new Date(nowMs).toISOString();
    if (Date.parse(at) > nowMs + 5 * 60_000) throw new HttpError(400, 'Request body is invalid', [{ path: '/at', message: 'must not be in the future' }]);
    const entry: TimelineEntry = {
      id: `activity-${randomUUID()}`,
      accountId: id,
      at,
      kind: 'activity',
      subtype: body.kind,
      text: body.summary,
      by: user.id,
      data: { byName: user.name },
    };
    await ctx.store.addTimeline([entry]);
    const ev = await ingestEvents(ctx, [{ id: `${entry.id}-event`, accountId: id, type: 'csm.activity', occurredAt: at, data: { kind: body.kind, summary: body.summary, by: user.id } }]);
    if (ev.rejected.length) throw new Error(`activity event rejected: ${ev.rejected.map((x) => `${x.path} ${x.message}`).join('; ')}`);
    res.status(201).json({ entry, eventId: `${entry.id}-event` });
  });

  return r;
}

const err = { $ref: '#/components/responses/Error' };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

export const timelineOpenApi = {
  '/api/accounts/{id}/timeline': {
    get: {
      tags: ['accounts'], summary: 'The account timeline, newest first (viewer+)',
      parameters: [idParam, ...Object.entries(pageQuery.properties).map(([name, schema]) => ({ name, in: 'query', schema }))],
      responses: { 200: { description: '{ items: TimelineEntry[], total }' }, 404: err },
    },
  },
  '/api/accounts/{id}/activities': {
    post: {
      tags: ['accounts'], summary: 'Log a meeting, call, email, note or EBR (csm on own accounts; publisher/admin on any); also posts a csm.activity event',
      parameters: [idParam],
      requestBody: { required: true, content: { 'application/json': { schema: activitySchema } } },
      responses: { 201: { description: '{ entry, eventId }' }, 400: err, 403: err, 404: err },
    },
  },
};
