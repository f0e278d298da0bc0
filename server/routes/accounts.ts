/**
 * Accounts: the book (filters + paging), one account in full, bulk upsert and CSV import.
 */
import { Router } from 'express';
import { Transform } from 'node:stream';
import type { ServerContext } from '../context.js';
import { ACCOUNT_SORTS, type AccountFilter, type AccountRecord, type AccountSort } from '../store/types.js';
import type { HealthColor } from '../../engine/schema/definitions.js';
import { assertValid } from '../http/validate.js';
import { computeHealthCoverage } from '../../engine/runtime/index.js';
import { HttpError, notFound } from '../http/errors.js';
import { ingestAccounts, MAX_ACCOUNTS_PER_REQUEST } from '../ingest/accounts.js';
import { importCsv } from '../ingest/csv.js';

export const CSV_LIMIT_BYTES = 50 * 1024 * 1024;

export const accountListQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    owner: { type: 'string', maxLength: 200 },
    tier: { type: 'string', maxLength: 200 },
    segment: { type: 'string', maxLength: 200 },
    journey: { type: 'string', maxLength: 200 },
    stage: { type: 'string', maxLength: 200 },
    health: { enum: ['green', 'yellow', 'red'] },
    q: { type: 'string', maxLength: 200 },
    churned: { enum: ['true', 'false'], description: 'true: churned accounts only; false: leave them out (default: all)' },
    sort: { enum: [...ACCOUNT_SORTS], description: 'name (default); renewal: soonest first; mrr: largest first; health: lowest score first. Accounts without the value come last' },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
    offset: { type: 'string', pattern: '^[0-9]{1,9}$' },
  },
} as const;

export const bulkAccountsSchema = {
  type: 'object', required: ['accounts'], additionalProperties: false,
  properties: {
    accounts: {
      type: 'array', maxItems: MAX_ACCOUNTS_PER_REQUEST,
      description: 'Flat records: { id, <field>: value, ..., tags?: string[], flags?: { name: boolean } }; fields per the data dictionary (GET /api/fields). Omitted fields keep their stored value; null clears one.',
      items: { type: 'object' },
    },
  },
} as const;

export function pageOf(query: { limit?: string; offset?: string }, def = 50, max = 500): { limit: number; offset: number } {
  const limit = query.limit === undefined ? def : Math.min(max, Math.max(1, Number(query.limit)));
  const offset = query.offset === undefined ? 0 : Number(query.offset);
  return { limit, offset };
}

/** What list rows show: key fields, health colour and journey stages. */
export function accountSummary(rec: AccountRecord) {
  const f = rec.account.fields;
  return {
    id: rec.account.id,
    name: typeof f.name === 'string' ? f.name : rec.account.id,
    owner: f.owner ?? null,
    tier: f.tier ?? null,
    segment: f.segment ?? null,
    mrr: f.mrr ?? null,
    renewalDate: f.renewalDate ?? null,
    fields: f,
    tags: rec.account.tags,
    flags: rec.account.flags,
    health: rec.state?.health ? { score: rec.state.health.score, color: rec.state.health.color } : null,
    journeys: Object.fromEntries(Object.entries(rec.state?.journeys ?? {}).map(([j, p]) => [j, { stage: p.stage, enteredAt: p.enteredAt }])),
    dueAt: rec.dueAt,
    updatedAt: rec.updatedAt,
  };
}

export function accountsRouter(ctx: ServerContext): Router {
  const r = Router();

  /** The published data dictionary (what ingest validates against and rules can read). */
  r.get('/api/fields', ctx.requireRole('viewer'), (_req, res) => {
    const input = ctx.library.currentInput();
    res.json(input.fields);
  });

  r.get('/api/accounts', ctx.requireRole('viewer'), async (req, res) => {
    const q = assertValid<Record<string, string>>(accountListQuery, { ...req.query }, 'Query');
    const filter: AccountFilter = {};
    for (const k of ['owner', 'tier', 'segment', 'journey', 'stage', 'q'] as const) if (q[k]) filter[k] = q[k];
    if (q.owner === 'me') filter.owner = res.locals.user.id;
    if (q.health) filter.health = q.health as HealthColor;
    if (filter.stage && !filter.journey) throw new HttpError(400, 'Query is invalid', [{ path: '/stage', message: 'stage needs journey too' }]);
    if (q.churned) filter.churned = q.churned === 'true';
    const page = await ctx.store.listAccounts(filter, pageOf(q), (q.sort as AccountSort | undefined) ?? 'name');
    res.json({ items: page.items.map(accountSummary), total: page.total });
  });

  r.post('/api/accounts/bulk', ctx.requireRole('author'), async (req, res) => {
    const body = assertValid<{ accounts: unknown[] }>(bulkAccountsSchema, req.body);
    const result = await ingestAccounts(ctx, body.accounts);
    res.json(result);
  });

  r.post('/api/accounts/import', ctx.requireRole('author'), async (req, res) => {
    // Not text/plain: a cross-site HTML form can send that without a CORS preflight.
    if (!req.is(['text/csv', 'application/csv'])) {
      throw new HttpError(415, 'Send the CSV with Content-Type: text/csv');
    }
    let bytes = 0;
    const limiter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (bytes > CSV_LIMIT_BYTES) cb(new HttpError(413, 'The CSV is larger than 50 MB: split it (npm run import-csv does this for you)'));
        else cb(null, chunk);
      },
    });
    req.on('error', (e) => limiter.destroy(e));
    const result = await importCsv(ctx, req.pipe(limiter));
    res.json(result);
  });

  r.get('/api/accounts/:id', ctx.requireRole('viewer'), async (req, res) => {
    const id = String(req.params.id);
    const rec = await ctx.store.getAccount(id);
    if (!rec) throw notFound(`No account "${id}"`);
    const [open, past, timeline, instances, healthHistory] = await Promise.all([
      ctx.store.listTasks({ accountId: id, status: 'open' }, { limit: 200, offset: 0 }, 'queue'),
      ctx.store.listTasks({ accountId: id, status: ['done', 'closed'] }, { limit: 100, offset: 0 }, 'created'),
      ctx.store.listTimeline(id, { limit: 100, offset: 0 }),
      ctx.store.listInstances({ accountId: id }, { limit: 200, offset: 0 }),
      ctx.store.listHealthHistory(id, 30),
    ]);
    res.json({
      account: rec.account,
      summary: accountSummary(rec),
      state: rec.state,
      health: rec.state?.health ?? null,
      // Evaluated but not scored: which measures lacked a value at that evaluation (live scorecard).
      healthCoverage: rec.state?.lastEvaluatedAt && !rec.state.health ? computeHealthCoverage(ctx.library.current(), rec.account, rec.state.lastEvaluatedAt) : null,
      healthHistory,
      openTasks: open.items,
      pastTasks: past.items,
      timeline: timeline.items,
      timelineTotal: timeline.total,
      instances: instances.items,
      dueAt: rec.dueAt,
      createdAt: rec.createdAt,
      updatedAt: rec.updatedAt,
    });
  });

  return r;
}

const err = { $ref: '#/components/responses/Error' };
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];

export const accountsOpenApi = {
  '/api/fields': {
    get: { tags: ['accounts'], summary: 'The published data dictionary: every account field with its type, label and allowed values (viewer+)', responses: { 200: { description: 'The fields definition { kind: "fields", id, name, fields: [{ name, type, label, values?, derived? }] }' }, 401: err } },
  },
  '/api/accounts': {
    get: {
      tags: ['accounts'], summary: 'The book of accounts, filtered and paged (viewer+); owner=me for your own',
      parameters: Object.entries(accountListQuery.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
      responses: { 200: { description: '{ items, total }' }, 400: err, 401: err },
    },
  },
  '/api/accounts/bulk': {
    post: {
      tags: ['ingest'], summary: 'Upsert up to 10,000 accounts (author+); bad records are rejected with index, id, path, message; the rest are stored',
      requestBody: { required: true, content: { 'application/json': { schema: bulkAccountsSchema } } },
      responses: { 200: { description: '{ accepted, inserted, updated, rejected: [{ index, id, path, message }] }' }, 400: err, 403: err, 413: err },
    },
  },
  '/api/accounts/import': {
    post: {
      tags: ['ingest'], summary: 'Import accounts from CSV (author+, up to 50 MB): header row = id and field names; "tags" split on ";"; "flags.<name>" columns',
      requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } } } },
      responses: { 200: { description: '{ rows, accepted, inserted, updated, rejected: [{ row, field, message }] }' }, 400: err, 413: err, 415: err },
    },
  },
  '/api/accounts/{id}': {
    get: {
      tags: ['accounts'], summary: 'One account: fields, journey state and stage history, health, open and past tasks, timeline, playbook runs',
      parameters: idParam, responses: { 200: { description: '{ account, state, health, healthCoverage (evaluated but not scored: measures without a value), openTasks, pastTasks, timeline, instances }' }, 404: err },
    },
  },
};
