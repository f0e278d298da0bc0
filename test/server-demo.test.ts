/**
 * The demo book as a user sees it over HTTP: a team that works its queues (a short tail of
 * overdue tasks, not most of them) and existing customers placed in a stage that fits their
 * contract age (not all still in Onboarding a year later).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../server/clock.js';
import { startTestServer, type ApiClient, type TestServer } from './helpers/server.js';

const NOW = '2026-11-02T09:00:00.000Z';
const DAY = 86_400_000;

describe('demo book', () => {
  let srv: TestServer;
  let admin: ApiClient;
  beforeAll(async () => {
    srv = await startTestServer({ clock: new ManualClock(NOW), seed: 'demo' });
    admin = await srv.login('admin@waymark.test');
  }, 240_000);
  afterAll(async () => { await srv?.close(); });

  it('looks like a diligent team: 5-25% of open tasks overdue, none months late', async () => {
    const team = (await admin.get('/api/analytics/team')).body;
    const rows = [...team.members, ...team.queues];
    const open = rows.reduce((s: number, m: any) => s + m.openTasks, 0);
    const overdue = rows.reduce((s: number, m: any) => s + m.overdueTasks, 0);
    expect(open).toBeGreaterThan(30);
    expect(overdue).toBeGreaterThan(0);
    expect(overdue / open).toBeGreaterThan(0.05);
    expect(overdue / open).toBeLessThan(0.25);
    const tasks = (await srv.store.listTasks({ status: 'open' }, { limit: 5000, offset: 0 })).items;
    const worst = Math.max(...tasks.map((t) => (Date.parse(NOW) - Date.parse(t.dueAt)) / DAY));
    expect(worst).toBeLessThan(45);
  });

  it('places long-standing customers past Onboarding', async () => {
    const res = await admin.get('/api/accounts?journey=lifecycle&stage=onboarding&limit=500');
    expect(res.status).toBe(200);
    // Customers since more than a year before the seed window started would not still be onboarding.
    const cutoff = new Date(Date.parse(NOW) - 2 * 365 * DAY).toISOString().slice(0, 10);
    const stale = res.body.items.filter((a: any) => String(a.fields.contractStartDate) < cutoff);
    expect(stale.map((a: any) => a.id)).toEqual([]);
    const all = (await admin.get('/api/accounts?limit=500')).body.total as number;
    expect(res.body.total).toBeLessThan(all * 0.15);
  });
});
