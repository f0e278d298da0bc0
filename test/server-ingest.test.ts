/**
 * Ingest end to end over real HTTP on the SQLite store: accounts and events in, the worker
 * runs, tasks land in the right queues with plain-language reasons; repeated events change
 * nothing; bad records are rejected by index/row, field and reason while the rest are kept.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../server/clock.js';
import { REPO_ROOT, startTestServer, type ApiClient, type TestServer } from './helpers/server.js';

const NOW = '2026-11-02T09:00:00.000Z';

let srv: TestServer;
let clock: ManualClock;
let admin: ApiClient;

beforeEach(async () => {
  clock = new ManualClock(NOW);
  srv = await startTestServer({ clock });
  admin = await srv.login('admin@waymark.test');
});
afterEach(async () => {
  await srv.close();
});

const acme = { id: 'acme', name: 'Acme Corp', tier: 'tier-1', segment: 'high-touch', owner: 'csm-1', mrr: 4200, renewalDate: '2027-01-15', lastCsmUpdateAt: '2026-11-01T10:00:00Z', primaryContactName: 'Jo Park' };
const globex = { id: 'globex', name: 'Globex', tier: 'tier-2', segment: 'low-touch', owner: 'csm-2', mrr: 900, renewalDate: '2027-09-01' };

describe('ingest -> worker -> queues', () => {
  it('creates tasks in the owners\' queues with reasons, and a repeated event creates nothing twice', async () => {
    const bulk = await admin.post('/api/accounts/bulk', { accounts: [acme, globex] });
    expect(bulk.status).toBe(200);
    expect(bulk.body).toMatchObject({ accepted: 2, inserted: 2, rejected: [] });

    const nps = { id: 'nps-1', accountId: 'globex', type: 'nps.response', occurredAt: '2026-11-02T08:00:00Z', data: { score: 3, comment: 'Too slow' } };
    const ev = await admin.post('/api/events', { events: [nps] });
    expect(ev.status).toBe(200);
    expect(ev.body).toEqual({ inserted: 1, duplicates: [], rejected: [] });

    expect(await srv.drain()).toBeGreaterThanOrEqual(2);

    // csm-1 (Maya, csm@waymark.test) sees the renewal task for Acme, with its reason.
    const maya = await srv.login('csm@waymark.test');
    const q1 = await maya.get('/api/tasks/queue');
    expect(q1.status).toBe(200);
    const renewal = q1.body.items.find((t: any) => t.playbookId === 'renewal-90-days');
    expect(renewal).toBeDefined();
    expect(renewal.owner).toBe('csm-1');
    expect(renewal.reasonText).toMatch(/^Renews on 15 January 2027; MRR \$4,200/);
    expect(renewal.account).toMatchObject({ id: 'acme', name: 'Acme Corp', tier: 'tier-1', mrr: 4200 });
    expect(renewal.playbookName).toBeTruthy();
    expect(q1.body.items.every((t: any) => t.owner === 'csm-1')).toBe(true);
    // Priority then due order.
    const rank = { urgent: 0, high: 1, medium: 2, low: 3 } as Record<string, number>;
    const keys = q1.body.items.map((t: any) => [rank[t.priority], t.dueAt]);
    expect(keys).toEqual([...keys].sort((a: any, b: any) => a[0] - b[0] || a[1].localeCompare(b[1])));

    // csm-2 gets the detractor reply for Globex.
    const daniel = await srv.login('daniel.okafor@waymark.test');
    const q2 = await daniel.get('/api/tasks/queue?type=risk');
    const reply = q2.body.items.filter((t: any) => t.playbookId === 'low-nps');
    expect(reply).toHaveLength(1);
    expect(reply[0].title).toContain('score 3');
    expect(reply[0].accountId).toBe('globex');

    // The same event again: reported as a duplicate, no new task.
    const again = await admin.post('/api/events', { events: [nps] });
    expect(again.body).toEqual({ inserted: 0, duplicates: ['nps-1'], rejected: [] });
    await srv.drain();
    const all = await srv.store.listTasks({ accountId: 'globex', playbookId: 'low-nps' }, { limit: 100, offset: 0 });
    expect(all.total).toBe(1);
  });

  it('rejects bad account records with index, id, path and message and keeps the good ones', async () => {
    const res = await admin.post('/api/accounts/bulk', {
      accounts: [
        acme,
        { id: 'bad-1', tier: 'tier-9', mrr: 'lots' },
        { id: 'bad-2', renewalDate: '2027-02-30', nickname: 'x' },
        { name: 'no id' },
        { id: 'bad-3', deploymentPct: 50 },
        { id: 'bad-4', name: 'Out of range', nps: 42, mrr: -5, csmSentiment: 3 },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(1);
    const r = res.body.rejected as { index: number; id: string | null; path: string; message: string }[];
    expect(r).toEqual(expect.arrayContaining([
      expect.objectContaining({ index: 1, id: 'bad-1', path: '/tier' }),
      expect.objectContaining({ index: 1, id: 'bad-1', path: '/mrr', message: expect.stringContaining('number') }),
      expect.objectContaining({ index: 2, id: 'bad-2', path: '/renewalDate', message: expect.stringContaining('date') }),
      expect.objectContaining({ index: 2, id: 'bad-2', path: '/nickname', message: 'unknown property "nickname"' }),
      expect.objectContaining({ index: 3, id: null, path: '/id', message: 'is required' }),
      expect.objectContaining({ index: 4, path: '/deploymentPct', message: expect.stringContaining('derived') }),
      // The data dictionary's ranges (NPS 0-10, MRR not negative), as the events endpoint checks a score.
      { index: 5, id: 'bad-4', path: '/nps', message: 'must be <= 10' },
      { index: 5, id: 'bad-4', path: '/mrr', message: 'must be >= 0' },
    ]));
    expect(r.filter((x) => x.index === 5)).toHaveLength(2);
    expect(await srv.store.countAccounts()).toBe(1);
    expect(await srv.store.getAccount('bad-1')).toBeNull();
  });

  it('partial upserts merge into the stored account', async () => {
    await admin.post('/api/accounts/bulk', { accounts: [acme] });
    const res = await admin.post('/api/accounts/bulk', { accounts: [{ id: 'acme', mrr: 5000, tags: ['pilot'] }] });
    expect(res.body).toMatchObject({ accepted: 1, inserted: 0, updated: 1 });
    const rec = await srv.store.getAccount('acme');
    expect(rec!.account.fields).toMatchObject({ name: 'Acme Corp', mrr: 5000, owner: 'csm-1' });
    expect(rec!.account.tags).toEqual(['pilot']);
  });

  it('rejects bad events with paths; built-in payloads are checked; nothing is stored for them', async () => {
    await admin.post('/api/accounts/bulk', { accounts: [acme] });
    const res = await admin.post('/api/events', {
      events: [
        { id: 'e1', accountId: 'acme', type: 'nps.response', occurredAt: '2026-11-02T08:00:00Z', data: { score: 11 } },
        { id: 'e2', accountId: 'acme', type: 'nps.response', occurredAt: 'yesterday', data: { score: 5 } },
        { id: 'e3', accountId: 'acme', type: 'ticket.opened', occurredAt: '2026-11-02T08:00:00Z', data: { ticketId: 'T-1', priority: 'critical' } },
        { id: 'e4', accountId: 'acme', type: 'custom.thing', occurredAt: '2026-11-02T08:00:00Z', data: { anything: [1, 2] } },
        { id: 'e5', accountId: 'acme', type: 'nps.response', occurredAt: '2026-11-02T08:00:00Z' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.inserted).toBe(1);
    expect(res.body.rejected).toEqual(expect.arrayContaining([
      expect.objectContaining({ index: 0, id: 'e1', path: '/data/score' }),
      expect.objectContaining({ index: 1, id: 'e2', path: '/occurredAt', message: expect.stringContaining('ISO-8601') }),
      expect.objectContaining({ index: 2, id: 'e3', path: '/data/priority' }),
      expect.objectContaining({ index: 4, id: 'e5', path: '/data', message: 'is required' }),
    ]));
    const events = await srv.store.listEvents('acme', { limit: 10, offset: 0 });
    expect(events.items.map((e) => e.id)).toEqual(['e4']);
  });

  it('answers malformed bodies with 400 and field paths, storing nothing', async () => {
    const notArray = await admin.post('/api/accounts/bulk', { accounts: 'all of them' });
    expect(notArray.status).toBe(400);
    expect(notArray.body.error.details).toEqual([{ path: '/accounts', message: 'must be a list' }]);
    const extra = await admin.post('/api/events', { events: [], extra: true });
    expect(extra.status).toBe(400);
    expect(extra.body.error.details[0]).toEqual({ path: '/extra', message: 'unknown property "extra"' });
    const tooMany = await admin.post('/api/accounts/bulk', { accounts: Array.from({ length: 10_001 }, (_, i) => ({ id: `a${i}` })) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0].path).toBe('/accounts');
    const broken = await admin.request('POST', '/api/accounts/bulk', '{"accounts": [', { 'content-type': 'application/json' });
    expect(broken.status).toBe(400);
    expect(broken.body.error.message).toMatch(/not valid JSON/);
    expect(await srv.store.countAccounts()).toBe(0);
  });

  it('refuses prototype-pollution keys anywhere in a JSON body', async () => {
    const bodies = [
      '{"accounts":[{"id":"x","__proto__":{"polluted":true}}]}',
      '{"accounts":[{"id":"x","constructor":{"prototype":{"polluted":true}}}]}',
      // the same keys spelled with JSON \u escapes (the parser's quick text check must not miss them)
      '{"accounts":[{"id":"x","\\u005f_proto__":{"polluted":true}}]}',
      '{"accounts":[{"id":"x","\\u0063onstructor":{"polluted":true}}]}',
      '{"events":[{"id":"e","accountId":"x","type":"custom","occurredAt":"2026-11-02T08:00:00Z","data":{"a":{"__proto__":{"polluted":1}}}}]}',
    ];
    for (const [i, text] of bodies.entries()) {
      const res = await admin.request('POST', i < bodies.length - 1 ? '/api/accounts/bulk' : '/api/events', text, { 'content-type': 'application/json' });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].message).toMatch(/not allowed/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await srv.store.countAccounts()).toBe(0);
  });

  it('imports CSV: types coerced per dictionary, bad rows reported by row number and field, the rest kept', async () => {
    const csv = [
      'id,name,tier,mrr,renewalDate,adminSelfSufficient,tags,flags.vip',
      'c1,"Initech, Inc.",tier-1,"1,200",2027-03-01,yes,pilot;emea,true',
      'c2,Umbrella,tier-4,300,2027-03-01,no,,',
      'c3,Hooli,tier-2,abc,2027-03-01,no,,',
      'c4,Vandelay,tier-3,50,2027-13-01,no,,',
      ',Nameless,tier-3,50,2027-01-01,no,,',
      'c6,Stark,tier-1,99000,,,,',
    ].join('\n');
    const res = await admin.request('POST', '/api/accounts/import', csv, { 'content-type': 'text/csv' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 6, accepted: 2 });
    expect(res.body.rejected).toEqual(expect.arrayContaining([
      { row: 3, field: 'tier', message: expect.stringContaining('tier-1') },
      { row: 4, field: 'mrr', message: '"abc" is not a number' },
      { row: 5, field: 'renewalDate', message: expect.stringContaining('date') },
      { row: 6, field: 'id', message: 'id is empty' },
    ]));
    const c1 = await srv.store.getAccount('c1');
    expect(c1!.account.fields).toMatchObject({ name: 'Initech, Inc.', tier: 'tier-1', mrr: 1200, renewalDate: '2027-03-01', adminSelfSufficient: true });
    expect(c1!.account.tags).toEqual(['pilot', 'emea']);
    expect(c1!.account.flags).toEqual({ vip: true });
    expect((await srv.store.getAccount('c6'))!.account.fields).toEqual({ name: 'Stark', tier: 'tier-1', mrr: 99000 });
    expect(await srv.store.getAccount('c2')).toBeNull();
  });

  it('imports the sample CSV the README points to (flag.<name> columns as npm run simulate reads them)', async () => {
    const csv = fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/accounts/sample-book.csv'), 'utf8');
    const res = await admin.request('POST', '/api/accounts/import', csv, { 'content-type': 'text/csv' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 4, accepted: 4, rejected: [] });
    expect((await srv.store.getAccount('acme'))!.account).toMatchObject({ tags: ['vip', 'emea'], flags: { strategic: true }, fields: { owner: 'csm-1', mrr: 4200 } });
    expect((await srv.store.getAccount('globex'))!.account.flags).toEqual({ strategic: false });
  });

  it('refuses a CSV whose header names unknown fields, saying which', async () => {
    const res = await admin.request('POST', '/api/accounts/import', 'id,name,colour\nx,X,red\n', { 'content-type': 'text/csv' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: '/header/2', message: '"colour" is not a field of the data dictionary' }]);
    expect(await srv.store.countAccounts()).toBe(0);
  });

  it('npm run import-csv streams a large file in chunks and names bad rows by their row in the file', async () => {
    const token = (await admin.post('/api/tokens', { name: 'import' })).body.token as string;
    const file = path.join(path.dirname(srv.dbFile), 'big.csv');
    const rows = ['id,name,tier,mrr,renewalDate'];
    for (let i = 1; i <= 12_000; i++) rows.push(`big-${i},"Company ${i}, Ltd",tier-${(i % 3) + 1},${i},2027-06-01`);
    rows[9_001] = 'big-9001,Broken,tier-1,not-money,2027-06-01'; // file row 9002
    fs.writeFileSync(file, rows.join('\r\n') + '\r\n');
    const run = promisify(execFile);
    const result = await run(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'server/cli/import-csv.ts'), file, '--url', srv.url, '--token', token, '--chunk', '5000'], { cwd: REPO_ROOT })
      .then((r) => ({ code: 0, ...r }), (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }));
    expect(result.stdout).toContain('12000 rows, 11999 accepted (11999 new, 0 updated), 1 problems.');
    expect(result.stdout).toContain('row 9002, mrr: "not-money" is not a number');
    expect(result.stderr).toMatch(/12,000 rows sent \(100%\)/);
    expect(result.code).toBe(1);
    expect(await srv.store.countAccounts()).toBe(11_999);
    expect((await srv.store.getAccount('big-12000'))!.account.fields).toMatchObject({ name: 'Company 12000, Ltd', mrr: 12000, tier: 'tier-1' });
  }, 120_000);

  it('limits JSON bodies to 1 MB except bulk ingest', async () => {
    const big = 'x'.repeat(1_100_000);
    const res = await admin.post('/api/tokens', { name: big });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/too large/);
    const bulk = await admin.post('/api/accounts/bulk', { accounts: Array.from({ length: 5000 }, (_, i) => ({ id: `acct-${i}`, name: `Account number ${i} with a long enough name`, mrr: i })) });
    expect(bulk.status).toBe(200);
    expect(bulk.body.accepted).toBe(5000);
  });
});

describe('ingest refuses references to things that do not exist', () => {
  it('rejects events for an unknown account per record, keeps the rest, and creates no ghost account', async () => {
    await admin.post('/api/accounts/bulk', { accounts: [acme] });
    const ok = { id: 'e-ok', accountId: 'acme', type: 'nps.response', occurredAt: '2026-11-02T08:00:00Z', data: { score: 9 } };
    const ghost = { id: 'e-ghost', accountId: 'nope', type: 'nps.response', occurredAt: '2026-11-02T08:00:00Z', data: { score: 2 } };
    const res = await admin.post('/api/events', { events: [ghost, ok] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      inserted: 1, duplicates: [],
      rejected: [{ index: 0, id: 'e-ghost', path: '/accountId', message: 'unknown account "nope" - upsert the account first' }],
    });
    await srv.drain();
    expect(await srv.store.getAccount('nope')).toBeNull();
    expect(await srv.store.countAccounts()).toBe(1);
    const list = await admin.get('/api/accounts');
    expect(list.body.items.map((a: any) => a.id)).toEqual(['acme']);
  });

  it('rejects accounts whose owner is not a user, naming the field, and keeps the rest', async () => {
    const res = await admin.post('/api/accounts/bulk', { accounts: [acme, { id: 'orphan', name: 'Orphan Ltd', owner: 'nobody' }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 1, inserted: 1 });
    expect(res.body.rejected).toEqual([{ index: 1, id: 'orphan', path: '/owner', message: expect.stringContaining('owner "nobody" is not a user') }]);
    expect(await srv.store.getAccount('orphan')).toBeNull();

    const csv = 'id,name,owner\nc1,One,csm-1\nc2,Two,nobody\n';
    const imp = await admin.request('POST', '/api/accounts/import', csv, { 'content-type': 'text/csv' });
    expect(imp.body).toMatchObject({ rows: 2, accepted: 1 });
    expect(imp.body.rejected).toEqual([{ row: 3, field: 'owner', message: expect.stringContaining('owner "nobody" is not a user') }]);
  });

  it('lists CSV rejections in row order whichever check found them', async () => {
    const csv = ['id,name,tier,mrr', 'r2,A,tier-9,1', 'r3,B,tier-1,abc', 'r4,C,tier-8,1', ',D,tier-1,1'].join('\n');
    const res = await admin.request('POST', '/api/accounts/import', csv, { 'content-type': 'text/csv' });
    expect(res.body.rejected.map((r: any) => [r.row, r.field])).toEqual([[2, 'tier'], [3, 'mrr'], [4, 'tier'], [5, 'id']]);
  });
});
