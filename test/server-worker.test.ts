/**
 * The worker under failure and concurrency, on one SQLite file shared by processes:
 * a worker killed between claim and commit, two workers at once, and a restart with
 * timers pending. Time is a ManualClock (the child processes get a fixed clock).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../server/clock.js';
import { REPO_ROOT, startTestServer, type TestServer } from './helpers/server.js';

const NOW = '2026-11-02T09:00:00.000Z';
const servers: TestServer[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of servers.splice(0)) await s.close();
});

async function server(opts: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer(opts);
  servers.push(s);
  return s;
}

/** Starts `worker-main.ts` as its own process on the test server's files; resolves lines as they come. */
function workerProcess(srv: TestServer, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'server/worker-main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, WAYMARK_DB: srv.dbFile, WAYMARK_PLAYBOOKS_DIR: srv.playbooksDir, WAYMARK_CLOCK: srv.clock.now().toISOString(), NODE_ENV: 'test', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err += d; });
  const waitFor = (prefix: string, timeoutMs = 60_000) => new Promise<string>((resolve, reject) => {
    const check = () => {
      const line = out.split('\n').find((l) => l.startsWith(prefix));
      if (line) { cleanup(); resolve(line.slice(prefix.length).trim()); }
    };
    const onExit = () => { check(); cleanup(); reject(new Error(`worker exited before "${prefix}": ${err || out}`)); };
    const timer = setTimeout(() => { cleanup(); reject(new Error(`no "${prefix}" from the worker: ${err || out}`)); }, timeoutMs);
    const cleanup = () => { clearTimeout(timer); child.stdout!.off('data', check); child.off('exit', onExit); };
    child.stdout!.on('data', check);
    child.once('exit', onExit);
    check();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, waitFor, exited };
}

const account = (id: string, owner = 'csm-1') => ({ id, name: `Account ${id}`, tier: 'tier-2', segment: 'low-touch', owner, mrr: 1000, renewalDate: '2027-01-15' });

describe('worker', () => {
  it('a worker killed between claiming and committing leaves exactly one task once another worker runs past the lease', async () => {
    const clock = new ManualClock(NOW);
    const srv = await server({ clock, leaseMs: 60_000 });
    const admin = await srv.login('admin@waymark.test');
    await admin.post('/api/accounts/bulk', { accounts: [account('acme')] });

    const w = workerProcess(srv, { WAYMARK_TEST_HOOK: 'block-after-claim', WAYMARK_LEASE_MS: '60000', WAYMARK_WORKER_ID: 'doomed' });
    expect(JSON.parse(await w.waitFor('CLAIMED '))).toEqual(['acme']);
    w.child.kill('SIGKILL');
    await w.exited;

    // The dead worker's lease still holds: nothing to do yet, and no task exists.
    expect(await srv.worker.runOnce()).toBe(0);
    expect((await srv.store.listTasks({ accountId: 'acme' }, { limit: 10, offset: 0 })).total).toBe(0);

    clock.advance({ seconds: 61 });
    expect(await srv.worker.runOnce()).toBe(1);
    const tasks = await srv.store.listTasks({ accountId: 'acme', playbookId: 'renewal-90-days' }, { limit: 10, offset: 0 });
    expect(tasks.total).toBe(1);
    expect(tasks.items[0].owner).toBe('csm-1');
    // Running again changes nothing.
    await srv.drain();
    expect((await srv.store.listTasks({ accountId: 'acme', playbookId: 'renewal-90-days' }, { limit: 10, offset: 0 })).total).toBe(1);
  }, 120_000);

  it('two worker processes running at once never process the same account twice', async () => {
    const clock = new ManualClock(NOW);
    const srv = await server({ clock });
    const admin = await srv.login('admin@waymark.test');
    const ids = Array.from({ length: 200 }, (_, i) => `acct-${String(i).padStart(3, '0')}`);
    const res = await admin.post('/api/accounts/bulk', { accounts: ids.map((id, i) => account(id, `csm-${(i % 8) + 1}`)) });
    expect(res.body.accepted).toBe(200);

    const env = { WAYMARK_WORKER_ONCE: '1', WAYMARK_BATCH: '2', WAYMARK_WAIT_FOR_GO: '1' };
    const a = workerProcess(srv, { ...env, WAYMARK_WORKER_ID: 'a' });
    const b = workerProcess(srv, { ...env, WAYMARK_WORKER_ID: 'b' });
    // Both processes up (tsx start-up takes a while), then released together.
    await Promise.all([a.waitFor('READY'), b.waitFor('READY')]);
    a.child.stdin!.write('go\n');
    b.child.stdin!.write('go\n');
    const [doneA, doneB] = await Promise.all([a.waitFor('COMMITTED '), b.waitFor('COMMITTED ')]);
    const byA: string[] = JSON.parse(doneA);
    const byB: string[] = JSON.parse(doneB);
    const all = [...byA, ...byB];
    expect(new Set(all).size).toBe(all.length); // no account committed twice
    expect([...all].sort()).toEqual(ids);
    // Both did part of the work (each claims a small batch at a time).
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
    const tasks = await srv.store.listTasks({ playbookId: 'renewal-90-days' }, { limit: 1000, offset: 0 });
    expect(tasks.total).toBe(200);
    expect(new Set(tasks.items.map((t) => t.accountId)).size).toBe(200);
  }, 120_000);

  it('pending waits fire after a restart when the clock passes them', async () => {
    const clock = new ManualClock(NOW);
    const first = await startTestServer({ clock });
    const admin = await first.login('admin@waymark.test');
    await admin.post('/api/accounts/bulk', { accounts: [account('acme')] });
    await admin.post('/api/events', { events: [{ id: 'nps-9', accountId: 'acme', type: 'nps.response', occurredAt: NOW, data: { score: 2, comment: 'Not happy' } }] });
    await first.drain();
    const reply = await first.store.listTasks({ accountId: 'acme', playbookId: 'low-nps' }, { limit: 10, offset: 0 });
    expect(reply.items.map((t) => t.nodeId)).toEqual(['reply']);
    await first.close({ keepFiles: true });

    // A new process: same database file and playbooks, nothing in memory.
    const second = await server({ clock, dbFile: first.dbFile, playbooksDir: first.playbooksDir });
    clock.advance({ days: 4 });
    await second.drain();
    expect((await second.store.listTasks({ accountId: 'acme', playbookId: 'low-nps' }, { limit: 10, offset: 0 })).total).toBe(1);
    clock.advance({ days: 1, hours: 1 });
    await second.drain();
    const after = await second.store.listTasks({ accountId: 'acme', playbookId: 'low-nps' }, { limit: 10, offset: 0 });
    expect(after.items.map((t) => t.nodeId).sort()).toEqual(['manager-steps-in', 'reply']);
    const escalation = after.items.find((t) => t.nodeId === 'manager-steps-in')!;
    expect(escalation.owner).toBe('role:cs-manager');
    // The Head of CS (team role cs-manager) sees it in their queue.
    const head = await second.login('admin@waymark.test');
    const q = await head.get('/api/tasks/queue');
    expect(q.body.items.map((t: any) => t.id)).toContain(escalation.id);
    // It fired once.
    clock.advance({ days: 3 });
    await second.drain();
    expect((await second.store.listTasks({ accountId: 'acme', playbookId: 'low-nps' }, { limit: 10, offset: 0 })).total).toBe(2);
  }, 120_000);

  it('records a failing evaluation as an incident after retries, and retry makes it run again', async () => {
    const clock = new ManualClock(NOW);
    const srv = await server({ clock });
    const admin = await srv.login('admin@waymark.test');
    await admin.post('/api/accounts/bulk', { accounts: [account('acme')] });
    const realLibrary = srv.ctx.library;
    srv.ctx.library = { ...realLibrary, current: () => { throw new Error('library exploded'); } };
    for (let i = 0; i < 6; i++) {
      await srv.worker.runOnce();
      clock.advance({ hours: 2 });
    }
    const incidents = await admin.get('/api/incidents');
    expect(incidents.body.items).toEqual([expect.objectContaining({ accountId: 'acme', message: 'library exploded', attempts: 5 })]);
    srv.ctx.library = realLibrary;
    expect(await srv.worker.runOnce()).toBe(0); // parked until retried
    const retry = await admin.post('/api/incidents/acme/retry');
    expect(retry.status).toBe(200);
    expect(await srv.worker.runOnce()).toBe(1);
    expect((await admin.get('/api/incidents')).body.items).toEqual([]);
    expect((await srv.store.listTasks({ accountId: 'acme', playbookId: 'renewal-90-days' }, { limit: 10, offset: 0 })).total).toBe(1);
  }, 60_000);

  it('backs off further after each failure in a row: 30 s, 1 min, 2 min, 4 min', async () => {
    const clock = new ManualClock(NOW);
    const srv = await server({ clock });
    const admin = await srv.login('admin@waymark.test');
    await admin.post('/api/accounts/bulk', { accounts: [account('acme')] });
    srv.ctx.library = { ...srv.ctx.library, current: () => { throw new Error('library exploded'); } };
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      await srv.worker.runOnce();
      const due = (await srv.store.getAccount('acme'))!.dueAt!;
      waits.push((Date.parse(due) - clock.now().getTime()) / 1000);
      clock.set(due);
    }
    expect(waits).toEqual([30, 60, 120, 240]);
    expect(srv.worker.stats().failed).toBe(4);
  }, 60_000);

  it('the running worker loop is woken by ingest (kickWorker) and stops cleanly', async () => {
    const clock = new ManualClock(NOW);
    const srv = await server({ clock, startWorker: true });
    const admin = await srv.login('admin@waymark.test');
    await srv.worker.runOnce(); // nothing due yet
    await admin.post('/api/accounts/bulk', { accounts: [account('acme')] });
    // No runOnce here: the loop, woken by the ingest's kick, does the work.
    await vi.waitFor(async () => {
      expect((await srv.store.listTasks({ accountId: 'acme', playbookId: 'renewal-90-days' }, { limit: 1, offset: 0 })).total).toBe(1);
    }, { timeout: 5000, interval: 20 });
    expect(srv.worker.stats().committed).toBeGreaterThanOrEqual(1);
    await srv.worker.stop();
  }, 60_000);
});
