/**
 * Incidents: accounts whose evaluation kept failing (their runs are parked), and retrying them.
 */
import { Router } from 'express';
import type { ServerContext } from '../context.js';
import { notFound } from '../http/errors.js';

export function incidentsRouter(ctx: ServerContext): Router {
  const r = Router();
  r.get('/api/incidents', ctx.requireRole('viewer'), async (_req, res) => {
    const items = await ctx.store.listIncidents();
    res.json({ items: items.sort((a, b) => b.at.localeCompare(a.at)), total: items.length });
  });
  r.post('/api/incidents/:accountId/retry', ctx.requireRole('author'), async (req, res) => {
    const accountId = String(req.params.accountId);
    const ok = await ctx.store.retryIncident(accountId, ctx.clock.now().toISOString());
    if (!ok) throw notFound(`No incident for account "${accountId}"`);
    ctx.kickWorker();
    res.json({ ok: true, accountId });
  });
  return r;
}

const err = { $ref: '#/components/responses/Error' };
export const incidentsOpenApi = {
  '/api/incidents': {
    get: { tags: ['operations'], summary: 'Accounts whose evaluation failed repeatedly (viewer+)', responses: { 200: { description: '{ items: [{ accountId, message, at, attempts }], total }' } } },
  },
  '/api/incidents/{accountId}/retry': {
    post: {
      tags: ['operations'], summary: 'Clear the incident and evaluate the account again now (author+)',
      parameters: [{ name: 'accountId', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { 200: { description: '{ ok, accountId }' }, 403: err, 404: err },
    },
  },
};
