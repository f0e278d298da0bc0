/**
 * Starting a playbook by hand on an account, over real HTTP: the run starts through the worker
 * ("Started by hand by ..."), a repeated request starts nothing twice, the re-entry policy and
 * roles are enforced with messages that say why, and the public events API cannot fake a start.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../server/clock.js';
import { startTestServer, type ApiClient, type TestServer } from './helpers/server.js';

const NOW = '2026-11-02T09:00:00.000Z';
let srv: TestServer;
let admin: ApiClient;
let maya: ApiClient;

beforeEach(async () => {
  srv = await startTestServer({ clock: new ManualClock(NOW) });
  admin = await srv.login('admin@waymark.test');
  maya = await srv.login('csm@waymark.test');
  // Tier 2, low-touch: outside the quarterly EBR's schedule, so any EBR run here was started by hand.
  const base = { segment: 'low-touch', tier: 'tier-2', mrr: 4200, renewalDate: '2027-09-01', primaryContactName: 'Jo Park', primaryContactEmail: 'jo@acme.test' };
  await admin.post('/api/accounts/bulk', { accounts: [{ id: 'acme', name: 'Acme', owner: 'csm-1', ...base }, { id: 'initech', name: 'Initech', owner: 'csm-2', ...base }] });
  await srv.drain();
});
afterEach(async () => { await srv.close(); });

const runsOf = async (accountId: string, playbookId: string) =>
  (await srv.store.listInstances({ accountId, playbookId }, { limit: 50, offset: 0 })).items;

describe('starting a playbook by hand', () => {
  it('starts a run through the worker, says who started it, and a repeated request starts nothing more', async () => {
    expect(await runsOf('acme', 'quarterly-ebr')).toEqual([]);
    const res = await maya.post('/api/accounts/acme/playbooks/quarterly-ebr/start', { requestId: 'ebr-1' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ requestId: 'start-ebr-1', playbookId: 'quarterly-ebr', accountId: 'acme', duplicate: false });
    await srv.drain();
    const runs = await runsOf('acme', 'quarterly-ebr');
    expect(runs).toHaveLength(1);
    expect(runs[0].path[0]).toMatchObject({ nodeId: 'trigger', outcome: 'started', detail: expect.stringContaining('Started by hand by Maya') });
    const tasks = await srv.store.listTasks({ accountId: 'acme', playbookId: 'quarterly-ebr' }, { limit: 10, offset: 0 });
    expect(tasks.total).toBe(1);
    expect(tasks.items[0].owner).toBe('csm-1');
    const timeline = (await maya.get('/api/accounts/acme/timeline')).body.items.map((e: any) => e.text);
    expect(timeline).toEqual(expect.arrayContaining([expect.stringMatching(/^Playbook .* started: Started by hand by Maya/)]));

    const again = await maya.post('/api/accounts/acme/playbooks/quarterly-ebr/start', { requestId: 'ebr-1' });
    expect(again.body.duplicate).toBe(true);
    await srv.drain();
    expect(await runsOf('acme', 'quarterly-ebr')).toHaveLength(1);
  });

  it('refuses, saying why, what the playbook\'s re-entry policy would not start', async () => {
    // Onboarding kickoff runs once per account, and started when the account entered Onboarding.
    expect(await runsOf('acme', 'onboarding-kickoff')).toHaveLength(1);
    const twice = await maya.post('/api/accounts/acme/playbooks/onboarding-kickoff/start', {});
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toMatch(/^.+ was not started on Acme: runs once per account and already ran$/);
    // The quarterly EBR (after-exit: its run ends once the task is created) can start again.
    expect((await maya.post('/api/accounts/acme/playbooks/quarterly-ebr/start', {})).status).toBe(202);
    await srv.drain();
    expect((await runsOf('acme', 'quarterly-ebr')).map((r) => r.status)).toEqual(['completed']);
    expect((await maya.post('/api/accounts/acme/playbooks/quarterly-ebr/start', {})).status).toBe(202);
    await srv.drain();
    expect(await runsOf('acme', 'quarterly-ebr')).toHaveLength(2);
  });

  it('checks the account, the playbook and who asks', async () => {
    expect((await maya.post('/api/accounts/initech/playbooks/quarterly-ebr/start', {})).status).toBe(403);
    expect((await admin.post('/api/accounts/initech/playbooks/quarterly-ebr/start', {})).status).toBe(202);
    const viewer = await srv.login('viewer@waymark.test');
    expect((await viewer.post('/api/accounts/acme/playbooks/quarterly-ebr/start', {})).status).toBe(403);
    const nope = await maya.post('/api/accounts/acme/playbooks/no-such-playbook/start', {});
    expect(nope.status).toBe(404);
    expect(nope.body.error.message).toBe('No live playbook "no-such-playbook"');
    expect((await maya.post('/api/accounts/ghost/playbooks/quarterly-ebr/start', {})).status).toBe(404);
    expect((await maya.post('/api/accounts/acme/playbooks/quarterly-ebr/start', { requestId: 'has spaces' })).status).toBe(400);
  });

  it('cannot be faked through the events API', async () => {
    const res = await admin.post('/api/events', { events: [{ id: 'fake', accountId: 'acme', type: 'waymark.playbook-start', occurredAt: NOW, data: { playbookId: 'quarterly-ebr' } }] });
    expect(res.body.rejected).toEqual([{ index: 0, id: 'fake', path: '/type', message: expect.stringContaining('"waymark." are Waymark\'s own') }]);
    await srv.drain();
    expect(await runsOf('acme', 'quarterly-ebr')).toEqual([]);
  });
});
