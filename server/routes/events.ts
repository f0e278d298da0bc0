/**
 * POST /api/events: account events from integrations (support desk, product usage, NPS...).
 */
import { Router } from 'express';
import type { ServerContext } from '../context.js';
import { assertValid } from '../http/validate.js';
import { builtinEventData, eventSchema, ingestEvents, MAX_EVENTS_PER_REQUEST } from '../ingest/events.js';

export const postEventsSchema = {
  type: 'object', required: ['events'], additionalProperties: false,
  properties: { events: { type: 'array', maxItems: MAX_EVENTS_PER_REQUEST, items: { type: 'object' } } },
} as const;

export function eventsRouter(ctx: ServerContext): Router {
  const r = Router();
  r.post('/api/events', ctx.requireRole('author'), async (req, res) => {
    const body = assertValid<{ events: unknown[] }>(postEventsSchema, req.body);
    const result = await ingestEvents(ctx, body.events);
    res.json({ inserted: result.inserted, duplicates: result.duplicates, rejected: result.rejected });
  });
  return r;
}

export const eventsOpenApi = {
  '/api/events': {
    post: {
      tags: ['ingest'],
      summary: 'Post up to 10,000 events (author+). Idempotent by id: a repeated id is reported in duplicates and changes nothing. Events for an account that does not exist are rejected (upsert the account first)',
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: { ...postEventsSchema, properties: { events: { ...postEventsSchema.properties.events, items: eventSchema } } },
            'x-builtin-event-data': builtinEventData,
          },
        },
      },
      responses: {
        200: { description: '{ inserted: number, duplicates: string[] (event ids), rejected: [{ index, id, path, message }] }' },
        400: { $ref: '#/components/responses/Error' },
      },
    },
  },
};
