/**
 * A CSM's day over real HTTP: the queue with filters and counts, a task with its context
 * and email draft, why it exists, working it (steps, snooze, reassign, flag, complete, bulk),
 * and logging an activity that satisfies a playbook waiting for the CSM's update.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../server/clock.js';
import { startTestServer, type ApiClient, type TestServer } from './helpers/server.js';

const NOW = '2026-11-02T09:00:00.000Z';
let srv: TestServer;
let clock: ManualClock;
let admin: ApiClient;
let maya: ApiClient;

beforeEach(async () => {
  clock = new ManualClock(NOW);
  srv = await startTestServer({ clock });
  admin = await srv.login('admin@waymark.test');
  maya = await srv.login('csm@waymark.test');
});
afterEach(async () => { await srv.close(); });

const base = { segment: 'low-touch', owner: 'csm-1', mrr: 4200, primaryContactName: 'Jo Park', primaryContactEmail: 'jo@acme.test', licensesPurchased: 200, licensesDeployed: 150 };

async function seedBook() {
  const res = await admin.post('/api/accounts/bulk', {
    accounts: [
      { id: 'acme', name: 'Acme <script>alert(1)</script>', tier: 'tier-1', renewalDate: '2027-01-15', ...base },
      { id: 'initech', name: 'Initech', tier: 'tier-2', renewalDate: '2026-12-20', ...base },
      { id: 'hooli', name: 'Hooli', tier: 'tier-3', renewalDate: '2027-08-01', ...base },
    ],
  });
  expect(res.body.accepted).toBe(3);
  await admin.post('/api/events', { events: [{ id: 'n1', accountId: 'hooli', type: 'nps.response', occurredAt: NOW, data: { score: 4, comment: 'Slow <b>support</b>' } }] });
  await srv.drain();
}

describe('the CSM queue', () => {
  it('filters by type, priority, due window and tier, with counts', async () => {
    await seedBook();
    const q = await maya.get('/api/tasks/queue');
    expect(q.status).toBe(200);
    const byPlaybook = q.body.items.map((t: any) => `${t.playbookId}:${t.accountId}`);
    expect(byPlaybook).toEqual(expect.arrayContaining(['renewal-90-days:acme', 'renewal-90-days:initech', 'low-nps:hooli']));
    expect(q.body.counts.total).toBe(q.body.items.length);
    expect(q.body.counts.byType.risk).toBeGreaterThanOrEqual(1);

    const risk = await maya.get('/api/tasks/queue?type=risk');
    expect(risk.body.items.every((t: any) => t.type === 'risk')).toBe(true);
    expect(risk.body.total).toBe(q.body.counts.byType.risk);
    expect(risk.body.counts.total).toBe(q.body.counts.total); // counts ignore the type filter

    const tier2 = await maya.get('/api/tasks/queue?tier=tier-2');
    expect(tier2.body.items.length).toBeGreaterThan(0);
    expect(tier2.body.items.every((t: any) => t.account.tier === 'tier-2')).toBe(true);
    // Each row carries its account's summary, health as the account page shows it (the store
    // contract covers a scored account).
    const hooliRow = q.body.items.find((t: any) => t.accountId === 'hooli');
    const hooli = (await maya.get('/api/accounts/hooli')).body;
    expect(hooliRow.account).toEqual({
      id: 'hooli', name: 'Hooli', tier: 'tier-3', mrr: 4200, renewalDate: '2027-08-01',
      health: hooli.health ? { score: hooli.health.score, color: hooli.health.color } : null,
    });
    expect(q.body.items.find((t: any) => t.accountId === 'acme').account).toMatchObject({ name: 'Acme <script>alert(1)</script>', tier: 'tier-1' });

    // The NPS reply is due in 2 days; renewals in 7.
    const soon = await maya.get('/api/tasks/queue?due=week');
    expect(soon.body.total).toBe(q.body.counts.week);
    expect((await maya.get('/api/tasks/queue?due=overdue')).body.total).toBe(0);
    clock.advance({ days: 3 });
    const overdue = await maya.get('/api/tasks/queue?due=overdue');
    expect(overdue.body.items.map((t: any) => t.playbookId)).toContain('low-nps');
    expect(overdue.body.items.every((t: any) => t.overdue)).toBe(true);

    // Pages are slices of the same order, each task whole, with its account.
    const [p1, p2] = [await maya.get('/api/tasks/queue?limit=1&offset=0'), await maya.get('/api/tasks/queue?limit=1&offset=1')];
    const all = (await maya.get('/api/tasks/queue')).body;
    expect([...p1.body.items, ...p2.body.items].map((t: any) => t.id)).toEqual(all.items.slice(0, 2).map((t: any) => t.id));
    expect(p2.body.total).toBe(all.total);
    expect(p2.body.counts).toEqual(all.counts);
    expect(p1.body.items[0]).toEqual(all.items[0]);
    expect(p1.body.items[0]).toMatchObject({ title: expect.any(String), steps: expect.any(Array), account: { id: expect.any(String), name: expect.any(String) } });

    const bad = await maya.get('/api/tasks/queue?due=someday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('/due');
  });

  it('shows a task with account context, the email draft escaped, and why it exists', async () => {
    await seedBook();
    const task = (await srv.store.listTasks({ accountId: 'acme', playbookId: 'renewal-90-days' }, { limit: 1, offset: 0 })).items[0];
    const res = await maya.get(`/api/tasks/${task.id}`);
    expect(res.status).toBe(200);
    expect(res.body.account).toMatchObject({ id: 'acme', tier: 'tier-1', mrr: 4200, renewalDate: '2027-01-15' });
    expect(res.body.account.stages.lifecycle.stage).toBeTruthy();
    expect(res.body.playbook).toMatchObject({ id: 'renewal-90-days', version: 1 });
    expect(res.body.email.to).toBe('jo@acme.test');
    expect(res.body.emailHtml).toContain('Hi Jo Park,<br><br>');
    expect(res.body.emailHtml).toContain('Acme &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.body.emailHtml).not.toContain('<script>');

    const audit = await maya.get(`/api/tasks/${task.id}/audit`);
    expect(audit.body).toMatchObject({
      source: 'playbook',
      definition: { id: 'renewal-90-days', version: 1, kind: 'playbook' },
      node: { id: 'prepare-renewal', kind: 'task' },
      at: NOW,
    });
    expect(audit.body.trigger).toBeTruthy();
    expect(audit.body.condition).toBeTruthy();
    expect(audit.body.conditionText).toMatch(/Renewal date/i);
    expect(Object.keys(audit.body.values).length).toBeGreaterThan(0);
    expect((await maya.get('/api/tasks/nope')).status).toBe(404);
  });

  it('works a task: steps, snooze, reassign, flag, complete; each change lands in the audit history', async () => {
    await seedBook();
    const task = (await srv.store.listTasks({ accountId: 'initech', playbookId: 'renewal-90-days' }, { limit: 1, offset: 0 })).items[0];
    const step = await maya.post(`/api/tasks/${task.id}/steps/review-health`, { done: true });
    expect(step.body.task.steps.find((s: any) => s.id === 'review-health')).toMatchObject({ done: true, doneBy: 'csm-1', doneAt: NOW });
    expect((await maya.post(`/api/tasks/${task.id}/steps/nope`, { done: true })).status).toBe(404);

    // Snoozed tasks leave the queue until the time passes.
    const past = await maya.post(`/api/tasks/${task.id}/snooze`, { until: '2026-11-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body.error.details).toEqual([{ path: '/until', message: 'must be in the future' }]);
    expect((await maya.post(`/api/tasks/${task.id}/snooze`, { until: '2026-11-04T09:00:00Z' })).status).toBe(200);
    expect((await maya.get('/api/tasks/queue')).body.items.map((t: any) => t.id)).not.toContain(task.id);
    clock.set('2026-11-04T09:00:01Z');
    expect((await maya.get('/api/tasks/queue')).body.items.map((t: any) => t.id)).toContain(task.id);

    const flaggedBefore = (await maya.get('/api/tasks/queue')).body.counts.flagged;
    const flag = await maya.post(`/api/tasks/${task.id}/flag`, { red: true });
    expect(flag.body.task.flaggedRed).toBe(true);
    const flaggedQueue = (await maya.get('/api/tasks/queue')).body;
    expect(flaggedQueue.counts.flagged).toBe(flaggedBefore + 1);
    expect(flaggedQueue.items.find((t: any) => t.id === task.id).flaggedRed).toBe(true);

    const nobody = await maya.post(`/api/tasks/${task.id}/reassign`, { owner: 'ghost' });
    expect(nobody.status).toBe(400);
    expect(nobody.body.error.details).toEqual([{ path: '/owner', message: 'no user "ghost"' }]);
    const toViewer = await maya.post(`/api/tasks/${task.id}/reassign`, { owner: 'viewer' });
    expect(toViewer.status).toBe(400);
    expect(toViewer.body.error.details).toEqual([{ path: '/owner', message: 'Vera Lind (Finance) (viewer) has the viewer role and cannot work tasks; choose a CSM' }]);
    expect((await maya.post(`/api/tasks/${task.id}/reassign`, { owner: 'csm-2' })).body.task.owner).toBe('csm-2');
    const daniel = await srv.login('daniel.okafor@waymark.test');
    expect((await daniel.get('/api/tasks/queue')).body.items.map((t: any) => t.id)).toContain(task.id);
    // Now it is Daniel's, Maya cannot complete it; Daniel can.
    expect((await maya.post(`/api/tasks/${task.id}/complete`, {})).status).toBe(403);
    const done = await daniel.post(`/api/tasks/${task.id}/complete`, {});
    expect(done.body.task).toMatchObject({ status: 'done', completedAt: '2026-11-04T09:00:01.000Z' });
    expect((await daniel.post(`/api/tasks/${task.id}/complete`, {})).status).toBe(409);

    const audit = await maya.get(`/api/tasks/${task.id}/audit`);
    const notes = audit.body.history.map((h: any) => h.note);
    expect(notes).toEqual(expect.arrayContaining(['step "Review health, usage and open risks" done', 'snoozed until 2026-11-04T09:00:00.000Z', 'flagged red for escalation', 'reassigned from csm-1 to csm-2', 'completed']));
    const timeline = await maya.get('/api/accounts/initech/timeline');
    expect(timeline.body.items.some((e: any) => e.kind === 'task' && e.text.startsWith('Task completed'))).toBe(true);
  });

  it('bulk-completes and bulk-snoozes', async () => {
    await seedBook();
    const ids = (await maya.get('/api/tasks/queue')).body.items.map((t: any) => t.id);
    const noUntil = await maya.post('/api/tasks/bulk', { ids, action: 'snooze' });
    expect(noUntil.status).toBe(400);
    const res = await maya.post('/api/tasks/bulk', { ids: [...ids, 'missing'], action: 'complete' });
    expect(res.body.updated.sort()).toEqual([...ids].sort());
    expect(res.body.failed).toEqual([{ id: 'missing', status: 404, message: 'No task "missing"' }]);
    expect((await maya.get('/api/tasks/queue')).body.total).toBe(0);
  });
});

describe('activities', () => {
  it('an activity goes on the timeline and satisfies a playbook waiting for the CSM\'s update', async () => {
    // A high-touch account with no update for 10 days: the stale-record playbook asks for one.
    await admin.post('/api/accounts/bulk', { accounts: [{ id: 'acme', name: 'Acme', tier: 'tier-1', ...base, segment: 'high-touch', renewalDate: '2027-09-01', lastCsmUpdateAt: '2026-10-23T09:00:00Z' }] });
    await srv.drain();
    const logTask = (await srv.store.listTasks({ accountId: 'acme', playbookId: 'stale-csm-update' }, { limit: 10, offset: 0 })).items;
    expect(logTask.map((t) => t.nodeId)).toEqual(['log-update']);
    expect(logTask[0].reasonText).toBe('Last CSM update logged: 23 October 2026');

    clock.advance({ days: 1 });
    const bad = await maya.post('/api/accounts/acme/activities', { kind: 'lunch', summary: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path).sort()).toEqual(['/kind', '/summary']);
    const res = await maya.post('/api/accounts/acme/activities', { kind: 'meeting', summary: 'QBR prep with Jo: rollout to sales team in Q1' });
    expect(res.status).toBe(201);
    expect(res.body.entry).toMatchObject({ kind: 'activity', subtype: 'meeting', by: 'csm-1', at: '2026-11-03T09:00:00.000Z' });
    await srv.drain();

    const detail = await maya.get('/api/accounts/acme');
    expect(detail.body.account.fields.lastCsmUpdateAt).toBe('2026-11-03T09:00:00.000Z');
    expect(detail.body.timeline.some((e: any) => e.kind === 'activity' && e.text.startsWith('QBR prep'))).toBe(true);
    const run = detail.body.instances.find((i: any) => i.playbookId === 'stale-csm-update');
    expect(run.status).not.toBe('active');

    // The wait's timeout passes: no escalation, because the update came in.
    clock.advance({ days: 8 });
    await srv.drain();
    const all = await srv.store.listTasks({ accountId: 'acme', playbookId: 'stale-csm-update' }, { limit: 10, offset: 0 });
    expect(all.items.map((t) => t.nodeId)).not.toContain('tell-manager');
  });

  it('lists accounts with filters and paging, and shows one in full', async () => {
    await seedBook();
    const list = await maya.get('/api/accounts?owner=me&limit=2');
    expect(list.body.total).toBe(3);
    expect(list.body.items).toHaveLength(2);
    const t1 = await maya.get('/api/accounts?tier=tier-1');
    expect(t1.body.items.map((a: any) => a.id)).toEqual(['acme']);
    const q = await maya.get('/api/accounts?q=hoo');
    expect(q.body.items.map((a: any) => a.id)).toEqual(['hooli']);
    const detail = await maya.get('/api/accounts/hooli');
    expect(detail.body.openTasks.map((t: any) => t.playbookId)).toContain('low-nps');
    expect(detail.body.state.journeys.lifecycle.history.length).toBeGreaterThan(0);
    // Evaluated but too thin to score (an NPS and licences, no usage or ticket data): the page is told which measures lack data.
    expect(detail.body.health).toBeNull();
    expect(detail.body.healthCoverage.minCoverage).toBe(0.5);
    expect(detail.body.healthCoverage.covered).toBeLessThan(0.5);
    expect(detail.body.healthCoverage.missing.map((m: any) => m.name)).toEqual(['Usage depth (DAU trend)', 'Usage breadth (key features green)', 'Support load (open high-priority tickets)']);
    expect(detail.body.healthCoverage.missing.map((m: any) => m.id)).not.toContain('nps');
    expect((await maya.get('/api/accounts/nope')).status).toBe(404);
    expect((await maya.get('/api/accounts?health=purple')).status).toBe(400);
    // Renewals soonest first; a churned account can be left out (as the Team page counts).
    expect((await maya.get('/api/accounts?sort=renewal')).body.items.map((a: any) => a.id)).toEqual(['initech', 'acme', 'hooli']);
    await admin.post('/api/accounts/bulk', { accounts: [{ id: 'initech', churned: true, churnedAt: '2026-11-01' }] });
    const live = await maya.get('/api/accounts?churned=false&sort=renewal');
    expect({ ids: live.body.items.map((a: any) => a.id), total: live.body.total }).toEqual({ ids: ['acme', 'hooli'], total: 2 });
    expect((await maya.get('/api/accounts?churned=true')).body.items.map((a: any) => a.id)).toEqual(['initech']);
    const badSort = await maya.get('/api/accounts?sort=size');
    expect(badSort.status).toBe(400);
    expect(badSort.body.error.details[0].path).toBe('/sort');
    const fields = await maya.get('/api/fields');
    expect(fields.body.fields.map((f: any) => f.name)).toContain('renewalDate');
  });
});
