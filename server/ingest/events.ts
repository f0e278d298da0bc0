/**
 * Event ingest (POST /api/events, activities, the demo seed): envelope and built-in
 * payloads checked, then insert-if-absent by id, so a repeated event changes nothing.
 */
import type { ValidateFunction } from 'ajv';
import type { AccountEvent } from '../../engine/types.js';
import type { ServerContext } from '../context.js';
import { ajvDetails, createAjv } from '../http/validate.js';

export const MAX_EVENTS_PER_REQUEST = 10_000;
/**
 * A playbook started by hand (POST /api/accounts/:id/playbooks/:playbookId/start) is stored as an
 * event of this type; the worker hands it to the engine as a manual start. Types starting with
 * `waymark.` are Waymark's own: the public events API refuses them.
 */
export const MANUAL_START_EVENT = 'waymark.playbook-start';
export const ACTIVITY_KINDS = ['meeting', 'call', 'email', 'note', 'ebr'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

export const eventSchema = {
  type: 'object',
  required: ['id', 'accountId', 'type', 'occurredAt', 'data'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 200 },
    accountId: { type: 'string', minLength: 1, maxLength: 200 },
    type: { type: 'string', pattern: '^[a-z][a-z0-9_-]*(\\.[a-z0-9_-]+)*$', maxLength: 100 },
    occurredAt: { type: 'string', format: 'date-time' },
    data: { type: 'object' },
  },
} as const;

const ticketPriority = { enum: ['low', 'normal', 'high', 'urgent'] };
const count = { type: 'integer', minimum: 0 };

/** Payload schemas of the built-in event types (custom types may carry any object). */
export const builtinEventData: Record<string, object> = {
  'nps.response': {
    type: 'object', required: ['score'],
    properties: { score: { type: 'integer', minimum: 0, maximum: 10 }, comment: { type: 'string', maxLength: 10_000 }, respondent: { type: 'string' } },
  },
  'ticket.opened': {
    type: 'object',
    properties: { ticketId: { type: ['string', 'integer'], minLength: 1 }, priority: ticketPriority, bug: { type: 'boolean' }, openedAt: { type: 'string', format: 'date-time' }, subject: { type: 'string' } },
  },
  'ticket.closed': { type: 'object', required: ['ticketId'], properties: { ticketId: { type: ['string', 'integer'], minLength: 1 } } },
  'ticket.escalated': { type: 'object', required: ['ticketId'], properties: { ticketId: { type: ['string', 'integer'], minLength: 1 }, priority: ticketPriority } },
  'usage.snapshot': {
    type: 'object', minProperties: 1,
    properties: { dau: count, dauTrendPct: { type: 'number' }, featuresUsed: count, keyFeaturesGreen: count, usageGreen: { type: 'boolean' } },
  },
  'license.changed': {
    type: 'object', minProperties: 1,
    properties: { licensesPurchased: count, licensesDeployed: count, purchased: count, deployed: count },
  },
  'csm.activity': {
    type: 'object', required: ['kind'],
    properties: { kind: { enum: [...ACTIVITY_KINDS] }, summary: { type: 'string', maxLength: 10_000 }, by: { type: 'string' } },
  },
};

export interface EventRejection { index: number; id: string | null; path: string; message: string }
export interface EventIngestResult { inserted: number; insertedIds: string[]; duplicates: string[]; rejected: EventRejection[] }

const ajv = createAjv();
const envelope: ValidateFunction = ajv.compile(eventSchema);
const payloads = new Map(Object.entries(builtinEventData).map(([t, s]) => [t, ajv.compile(s)]));

export function checkEvents(records: unknown[]): { events: AccountEvent[]; rejected: EventRejection[]; indexes: number[] } {
  const events: AccountEvent[] = [];
  const indexes: number[] = [];
  const rejected: EventRejection[] = [];
  records.forEach((rec, index) => {
    const id = rec && typeof rec === 'object' && typeof (rec as { id?: unknown }).id === 'string' ? (rec as { id: string }).id : null;
    if (!envelope(rec)) {
      for (const d of ajvDetails(envelope.errors)) rejected.push({ index, id, path: d.path, message: d.message });
      return;
    }
    const ev = rec as unknown as AccountEvent;
    if (ev.type.startsWith('waymark.')) {
      rejected.push({ index, id, path: '/type', message: `event types starting with "waymark." are Waymark's own (e.g. starting a playbook by hand has its own route)` });
      return;
    }
    const payload = payloads.get(ev.type);
    if (payload && !payload(ev.data)) {
      for (const d of ajvDetails(payload.errors, '/data')) rejected.push({ index, id, path: d.path, message: d.message });
      return;
    }
    events.push({ id: ev.id, accountId: ev.accountId, type: ev.type, occurredAt: new Date(ev.occurredAt).toISOString(), data: ev.data });
    indexes.push(index);
  });
  return { events, rejected, indexes };
}

/** Splits checked events into those for stored accounts and rejections for the rest (no ghost accounts). */
async function checkAccountsExist(ctx: ServerContext, events: AccountEvent[], indexes: number[]): Promise<{ known: AccountEvent[]; rejected: EventRejection[] }> {
  const ids = [...new Set(events.map((e) => e.accountId))];
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 1000) {
    for (const id of await ctx.store.existingAccountIds(ids.slice(i, i + 1000))) found.add(id);
  }
  if (found.size === ids.length) return { known: events, rejected: [] };
  const known: AccountEvent[] = [];
  const rejected: EventRejection[] = [];
  events.forEach((ev, i) => {
    if (found.has(ev.accountId)) known.push(ev);
    else rejected.push({ index: indexes[i], id: ev.id, path: '/accountId', message: `unknown account "${ev.accountId}" - upsert the account first` });
  });
  return { known, rejected };
}

export async function ingestEvents(ctx: ServerContext, records: unknown[]): Promise<EventIngestResult> {
  const checked = checkEvents(records);
  const exist = await checkAccountsExist(ctx, checked.events, checked.indexes);
  const events = exist.known;
  const rejected = [...checked.rejected, ...exist.rejected].sort((a, b) => a.index - b.index);
  let insertedIds: string[] = [];
  let duplicates: string[] = [];
  if (events.length) {
    const r = await ctx.store.insertEvents(events, ctx.clock.now().toISOString());
    insertedIds = r.inserted;
    duplicates = r.duplicates;
    if (insertedIds.length) ctx.kickWorker();
  }
  return { inserted: insertedIds.length, insertedIds, duplicates, rejected };
}
