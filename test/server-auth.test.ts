/**
 * Sign-in, sessions, API tokens and roles on every route, over real HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../server/clock.js';
import { createApp } from '../server/app.js';
import { sha256 } from '../server/auth/passwords.js';
import { startTestServer, type ApiClient, type TestServer } from './helpers/server.js';

let srv: TestServer;
let clock: ManualClock;
let admin: ApiClient;
let maya: ApiClient; // csm-1
let viewer: ApiClient;
let mayaTask: string;
let danielTask: string;

beforeAll(async () => {
  clock = new ManualClock('2026-11-02T09:00:00.000Z');
  srv = await startTestServer({ clock });
  admin = await srv.login('admin@waymark.test');
  maya = await srv.login('csm@waymark.test');
  viewer = await srv.login('viewer@waymark.test');
  const base = { tier: 'tier-1', segment: 'low-touch', mrr: 1000, renewalDate: '2027-01-15' };
  const res = await admin.post('/api/accounts/bulk', { accounts: [{ id: 'acme', name: 'Acme', owner: 'csm-1', ...base }, { id: 'globex', name: 'Globex', owner: 'csm-2', ...base }] });
  expect(res.body.accepted).toBe(2);
  await srv.drain();
  const tasks = await srv.store.listTasks({ playbookId: 'renewal-90-days' }, { limit: 10, offset: 0 });
  mayaTask = tasks.items.find((t) => t.owner === 'csm-1')!.id;
  danielTask = tasks.items.find((t) => t.owner === 'csm-2')!.id;
});
afterAll(async () => {
  await srv.close();
});

describe('sign-in and sessions', () => {
  it('sets an httpOnly SameSite=Lax session cookie for 7 days and knows who you are', async () => {
    const res = await fetch(`${srv.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'CSM@waymark.test', password: 'waymark-demo' }) });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^wm_session=[A-Za-z0-9_-]{20,};/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Max-Age=604800/);
    expect(cookie).not.toMatch(/Secure/i);
    const me = await maya.get('/api/auth/me');
    expect(me.body.user).toMatchObject({ id: 'csm-1', email: 'csm@waymark.test', roles: ['csm'] });
    expect(me.body.user.passwordHash).toBeUndefined();
  });

  it('refuses wrong passwords and unknown emails with the same message', async () => {
    const wrong = await srv.anon().post('/api/auth/login', { email: 'csm@waymark.test', password: 'nope' });
    const unknown = await srv.anon().post('/api/auth/login', { email: 'who@waymark.test', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    const missing = await srv.anon().post('/api/auth/login', { email: 'csm@waymark.test' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([{ path: '/password', message: 'is required' }]);
  });

  it('stores passwords as salted scrypt hashes', async () => {
    const a = await srv.store.getUser('csm-1');
    const b = await srv.store.getUser('csm-2');
    expect(a!.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a!.passwordHash).not.toContain('waymark-demo');
    expect(a!.passwordHash.split('$')[4]).not.toBe(b!.passwordHash.split('$')[4]);
  });

  it('needs a session for the API (health and the OpenAPI document are public)', async () => {
    const anon = srv.anon();
    for (const p of ['/api/accounts', '/api/tasks/queue', '/api/users', '/api/incidents', '/api/auth/me', '/api/definitions']) {
      const r = await anon.get(p);
      expect(r.status, p).toBe(401);
      expect(r.body.error.message).toBeTruthy();
    }
    expect((await anon.get('/api/health')).status).toBe(200);
    expect((await anon.get('/api/openapi.json')).status).toBe(200);
  });

  it('ends the session on logout, and sessions expire after 7 days', async () => {
    const s = await srv.login('author@waymark.test');
    expect((await s.get('/api/auth/me')).status).toBe(200);
    await s.post('/api/auth/logout');
    expect((await s.get('/api/auth/me')).status).toBe(401);

    const t = await srv.login('author@waymark.test');
    clock.advance({ days: 7, minutes: 1 });
    try {
      expect((await t.get('/api/auth/me')).status).toBe(401);
    } finally {
      clock.advance(-(7 * 86_400_000 + 60_000));
    }
  });

  it('issues API tokens shown once, stored only as a sha-256 hash, usable as Bearer', async () => {
    const res = await maya.post('/api/tokens', { name: 'crm sync' });
    expect(res.status).toBe(201);
    const token: string = res.body.token;
    expect(token).toMatch(/^wm_/);
    const stored = await srv.store.findTokenByHash(sha256(token));
    expect(stored).toMatchObject({ userId: 'csm-1', name: 'crm sync' });
    expect(fs.readFileSync(srv.dbFile).includes(Buffer.from(token))).toBe(false);

    const bearer = srv.anon({ authorization: `Bearer ${token}` });
    expect((await bearer.get('/api/auth/me')).body.user.id).toBe('csm-1');
    expect((await bearer.get('/api/tasks/queue')).status).toBe(200);
    // A token acts with its user's roles, no more.
    expect((await bearer.post('/api/accounts/bulk', { accounts: [] })).status).toBe(403);
    expect((await srv.anon({ authorization: 'Bearer wm_forged' }).get('/api/accounts')).status).toBe(401);
  });
});

describe('changing a password', () => {
  it('needs the current password and a new one of 12+ characters; the old one stops working', async () => {
    const made = await admin.post('/api/users', { id: 'pat', name: 'Pat Doe', email: 'pat@example.test', password: 'first-password-1', roles: ['viewer'] });
    expect(made.status).toBe(201);
    const pat = await srv.login('pat@example.test', 'first-password-1');
    const patElsewhere = await srv.login('pat@example.test', 'first-password-1');
    const wrong = await pat.post('/api/auth/password', { currentPassword: 'nope', newPassword: 'second-password-2' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details).toEqual([{ path: '/currentPassword', message: 'is not your current password' }]);
    const short = await pat.post('/api/auth/password', { currentPassword: 'first-password-1', newPassword: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error.details[0].path).toBe('/newPassword');
    const same = await pat.post('/api/auth/password', { currentPassword: 'first-password-1', newPassword: 'first-password-1' });
    expect(same.body.error.details).toEqual([{ path: '/newPassword', message: 'must differ from the current password' }]);
    expect((await srv.anon().post('/api/auth/password', { currentPassword: 'first-password-1', newPassword: 'second-password-2' })).status).toBe(401);

    const changed = await pat.post('/api/auth/password', { currentPassword: 'first-password-1', newPassword: 'second-password-2' });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ ok: true, otherSessionsEnded: 1 });
    // This session goes on; the one signed in elsewhere is signed out.
    expect((await pat.get('/api/auth/me')).status).toBe(200);
    expect((await patElsewhere.get('/api/auth/me')).status).toBe(401);
    expect((await srv.anon().post('/api/auth/login', { email: 'pat@example.test', password: 'first-password-1' })).status).toBe(401);
    expect((await srv.anon().post('/api/auth/login', { email: 'pat@example.test', password: 'second-password-2' })).status).toBe(200);
    // Its name, roles and email are untouched.
    expect((await srv.store.getUser('pat'))).toMatchObject({ name: 'Pat Doe', roles: ['viewer'], email: 'pat@example.test' });
  });
});

describe('roles on every route', () => {
  it('a CSM cannot publish a playbook', async () => {
    const res = await maya.post('/api/definitions/renewal-90-days/publish', { message: 'sneaky' });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/publisher/);
    const versions = await srv.store.listVersions('renewal-90-days');
    expect(versions).toHaveLength(1);
  });

  it('a CSM changes their own tasks but not another CSM\'s', async () => {
    const before = await srv.store.getTask(danielTask);
    const attempts: [string, unknown][] = [
      [`/api/tasks/${danielTask}/complete`, {}],
      [`/api/tasks/${danielTask}/snooze`, { until: '2026-11-20T09:00:00Z' }],
      [`/api/tasks/${danielTask}/reassign`, { owner: 'csm-1' }],
      [`/api/tasks/${danielTask}/flag`, { red: true }],
      [`/api/tasks/${danielTask}/steps/review-health`, { done: true }],
    ];
    for (const [p, body] of attempts) {
      const r = await maya.post(p, body);
      expect(r.status, p).toBe(403);
    }
    const bulk = await maya.post('/api/tasks/bulk', { ids: [danielTask, mayaTask], action: 'snooze', until: '2026-11-20T09:00:00Z' });
    expect(bulk.body.updated).toEqual([mayaTask]);
    expect(bulk.body.failed).toEqual([expect.objectContaining({ id: danielTask, status: 403 })]);
    expect(await srv.store.getTask(danielTask)).toEqual(before);

    const own = await maya.post(`/api/tasks/${mayaTask}/flag`, { red: true });
    expect(own.status).toBe(200);
    expect(own.body.task.flaggedRed).toBe(true);
    // The publisher may act on anyone's task.
    const pub = await srv.login('publisher@waymark.test');
    expect((await pub.post(`/api/tasks/${danielTask}/flag`, { red: true })).status).toBe(200);
  });

  it('a CSM logs activities only on accounts they own', async () => {
    expect((await maya.post('/api/accounts/globex/activities', { kind: 'call', summary: 'hi' })).status).toBe(403);
    expect((await maya.post('/api/accounts/acme/activities', { kind: 'call', summary: 'Quarterly check-in' })).status).toBe(201);
  });

  it('a viewer reads everything but changes nothing', async () => {
    for (const p of ['/api/accounts', '/api/accounts/acme', '/api/accounts/acme/timeline', '/api/tasks/queue?owner=csm-1', `/api/tasks/${mayaTask}`, `/api/tasks/${mayaTask}/audit`, '/api/users', '/api/incidents', '/api/definitions']) {
      expect((await viewer.get(p)).status, p).toBe(200);
    }
    const writes: [string, string, unknown][] = [
      ['POST', '/api/accounts/bulk', { accounts: [{ id: 'v1' }] }],
      ['POST', '/api/events', { events: [] }],
      ['POST', '/api/accounts/acme/activities', { kind: 'note', summary: 'x' }],
      ['POST', `/api/tasks/${mayaTask}/complete`, {}],
      ['POST', `/api/tasks/${mayaTask}/snooze`, { until: '2026-12-01T00:00:00Z' }],
      ['POST', `/api/tasks/${mayaTask}/reassign`, { owner: 'csm-2' }],
      ['POST', `/api/tasks/${mayaTask}/flag`, { red: false }],
      ['POST', `/api/tasks/${mayaTask}/steps/review-health`, { done: true }],
      ['POST', '/api/tasks/bulk', { ids: [mayaTask], action: 'complete' }],
      ['POST', '/api/incidents/acme/retry', {}],
      ['POST', '/api/users', { id: 'x', name: 'X', email: 'x@x.test', password: 'password1', roles: ['admin'] }],
      ['PUT', '/api/definitions/renewal-90-days', { definition: {} }],
      ['POST', '/api/definitions/renewal-90-days/publish', { message: 'x' }],
    ];
    for (const [method, p, body] of writes) {
      const r = await viewer.request(method, p, body);
      expect(r.status, `${method} ${p}`).toBe(403);
    }
    const csv = await viewer.request('POST', '/api/accounts/import', 'id\nv2\n', { 'content-type': 'text/csv' });
    expect(csv.status).toBe(403);
    expect(await srv.store.getAccount('v1')).toBeNull();
    expect(await srv.store.getAccount('v2')).toBeNull();
  });

  it('only an admin creates users', async () => {
    const body = { id: 'new-csm', name: 'New CSM', email: 'new@waymark.test', password: 'long-enough', roles: ['csm'] };
    expect((await maya.post('/api/users', body)).status).toBe(403);
    const ok = await admin.post('/api/users', body);
    expect(ok.status).toBe(201);
    expect((await srv.login('new@waymark.test', 'long-enough')).user!.id).toBe('new-csm');
    expect((await admin.post('/api/users', body)).status).toBe(409);
  });
});

describe('headers and the web app', () => {
  it('sends a CSP that allows only same-origin scripts', async () => {
    const res = await fetch(`${srv.url}/api/health`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('serves the built app with SPA fallback, or says to run npm run build', async () => {
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-dist-'));
    const serve = async (distDir: string) => {
      const app = createApp({ ...srv.ctx, config: { ...srv.ctx.config, distDir } });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return { base, close: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }) };
    };
    try {
      const missing = await serve(path.join(dist, 'nope'));
      const page = await fetch(`${missing.base}/queue`);
      expect(page.status).toBe(503);
      expect(await page.text()).toContain('npm run build');
      await missing.close();

      fs.mkdirSync(path.join(dist, 'assets'));
      fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/assets/app.js"></script>');
      fs.writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
      const built = await serve(dist);
      const deep = await fetch(`${built.base}/tasks/t_123`);
      expect(deep.status).toBe(200);
      expect(await deep.text()).toContain('<div id="root">');
      const asset = await fetch(`${built.base}/assets/app.js`);
      expect(asset.headers.get('content-type')).toMatch(/javascript/);
      const api404 = await fetch(`${built.base}/api/nothing-here`);
      expect(api404.status).toBe(404);
      expect((await api404.json()).error.message).toMatch(/No API route/);
      await built.close();
    } finally {
      fs.rmSync(dist, { recursive: true, force: true });
    }
  });
});
