/**
 * Starting a playbook by hand on an account ("Started by hand" triggers, or any live playbook a
 * CSM decides an account needs now). The request is stored as an event of a reserved type, so it
 * takes the worker's normal path (claim, evaluate, commit) and a repeated request id starts
 * nothing twice; the worker hands it to the engine as its manual start.
 */
import { Router } from 'express';
import { randomUUID } from 'node:crypto';
import type { ServerContext } from '../context.js';
import type { AccountEvent } from '../../engine/types.js';
import { EvalContext } from '../../engine/runtime/context.js';
import { reentryBlock } from '../../engine/runtime/triggers.js';
import { assertValid } from '../http/validate.js';
import { conflict, forbidden, notFound } from '../http/errors.js';
import { userOf } from '../auth/middleware.js';
import { canActForOthers } from '../auth/roles.js';
import { getArchived } from '../library.js';
import { MANUAL_START_EVENT } from '../ingest/events.js';


export const startSchema = {
  type: 'object', additionalProperties: false,
  properties: { requestId: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$', description: 'Optional: the same id again starts nothing twice' } },
} as const;

export function playbookStartRouter(ctx: ServerContext): Router {
  const r = Router();

  r.post('/api/accounts/:id/playbooks/:playbookId/start', ctx.requireRole('csm'), async (req, res) => {
    const body = assertValid<{ requestId?: string }>(startSchema, req.body ?? {});
    const user = userOf(res);
    const id = String(req.params.id);
    const playbookId = String(req.params.playbookId);
    const rec = await ctx.store.getAccount(id);
    if (!rec) throw notFound(`No account "${id}"`);
    if (!canActForOthers(user.roles) && rec.account.fields.owner !== user.id) {
      throw forbidden(`You can start playbooks only on accounts you own; ${id} is owned by ${String(rec.account.fields.owner ?? 'nobody')}`);
    }
    const lib = ctx.library.current();
    const pb = lib.playbooks.get(playbookId)?.latest;
    if (!pb) throw notFound(`No live playbook "${playbookId}"`);
    if ((await getArchived(ctx.store)).has(playbookId)) throw conflict(`${pb.def.name} is archived: it finishes its runs but starts no new ones`);

    // The playbook's re-entry policy decides, as the engine will: said now rather than found missing later.
    const now = ctx.clock.now().toISOString();
    const bundle = await ctx.store.loadForEvaluation(id);
    const check = new EvalContext(lib, bundle.account, bundle.state, now, undefined);
    check.setInputInstances(bundle.instances);
    const blocked = reentryBlock(check, pb);
    // The engine's reasons read as a clause of their own: "a run is still active", "cooling down for 30 days ...".
    if (blocked) throw conflict(`${pb.def.name} was not started on ${String(rec.account.fields.name ?? id)}: ${blocked}`);

    const event: AccountEvent = {
      id: `start-${body.requestId ?? randomUUID()}`,
      accountId: id,
      type: MANUAL_START_EVENT,
      occurredAt: now,
      data: { playbookId, by: user.id, byName: user.name },
    };
    const { inserted } = await ctx.store.insertEvents([event], now);
    if (inserted.length) ctx.kickWorker();
    res.status(202).json({ requestId: event.id, playbookId, accountId: id, duplicate: inserted.length === 0 });
  });

  return r;
}

const err = { $ref: '#/components/responses/Error' };

export const playbookStartOpenApi = {
  '/api/accounts/{id}/playbooks/{playbookId}/start': {
    post: {
      tags: ['accounts'],
      summary: 'Start a live playbook by hand on an account (csm on own accounts; publisher/admin on any); the worker starts the run within moments, under the playbook\'s re-entry policy',
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'playbookId', in: 'path', required: true, schema: { type: 'string' } },
      ],
      requestBody: { required: false, content: { 'application/json': { schema: startSchema } } },
      responses: { 202: { description: '{ requestId, playbookId, accountId, duplicate }' }, 400: err, 403: err, 404: err, 409: err },
    },
  },
};
