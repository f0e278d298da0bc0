/**
 * The demo book: deterministic from its seed, delivered through ingest, and a year of real
 * engine output (stage history, health history, tasks in every CSM's queue, renewals, churn).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { planBook } from '../server/demo/book.js';
import { seedDemo, type SeedResult } from '../server/demo/seed.js';
import { DEMO_PEOPLE } from '../server/demo/people.js';
import { ManualClock } from '../server/clock.js';
import { DEMO_SEEDED_KEY, DEMO_SEEDING_KEY, SEED_CLAIM_STALE_MS, claimDemoSeed, demoSeedGate } from '../server/demo/seed-claim.js';
import { createWorker } from '../server/worker.js';
import { SqliteStore } from '../server/store/sqlite.js';
import { startTestServer, type ApiClient, type TestServer } from './helpers/server.js';

const DAY = 86_400_000;
const NOW = '2026-11-02T09:00:00.000Z';

describe('demo book plan', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = planBook({ accounts: 40, seed: 42, end: NOW });
    const b = planBook({ accounts: 40, seed: 42, end: NOW });
    const c = planBook({ accounts: 40, seed: 7, end: NOW });
    expect(b).toEqual(a);
    expect(c.accounts.map((x) => x.name)).not.toEqual(a.accounts.map((x) => x.name));
  });

  it('spreads ~600 accounts over 3 tiers, 3 segments and 8 CSMs, renewals over the next year', () => {
    const plan = planBook({ accounts: 600, seed: 42, end: NOW });
    expect(plan.accounts).toHaveLength(600);
    expect(new Set(plan.accounts.map((a) => a.name)).size).toBe(600);
    expect(new Set(plan.accounts.map((a) => a.tier))).toEqual(new Set(['tier-1', 'tier-2', 'tier-3']));
    expect(new Set(plan.accounts.map((a) => a.segment))).toEqual(new Set(['high-touch', 'low-touch', 'tech-touch']));
    expect(new Set(plan.accounts.map((a) => a.owner))).toEqual(new Set(DEMO_PEOPLE.map((p) => p.id)));
    expect(DEMO_PEOPLE.map((p) => p.id)).toEqual(['csm-1', 'csm-2', 'csm-3', 'csm-4', 'csm-5', 'csm-6', 'csm-7', 'csm-8']);
    expect(plan.start).toBe(new Date(Date.parse(NOW) - 365 * DAY).toISOString());
    // Items arrive in time order within the year.
    expect(plan.items.every((it, i) => i === 0 || plan.items[i - 1].at <= it.at)).toBe(true);
    expect(plan.items[plan.items.length - 1].at <= NOW).toBe(true);
    const kinds = new Set(plan.items.map((it) => (it.kind === 'event' ? it.event.type : it.kind)));
    for (const k of ['upsert', 'renewal', 'usage.snapshot', 'nps.response', 'ticket.opened', 'ticket.closed', 'csm.activity', 'license.changed']) expect(kinds).toContain(k);
  });
});

describe('seedDemo', () => {
  let srv: TestServer;
  let admin: ApiClient;
  let result: SeedResult;
  const accounts = 150;

  beforeAll(async () => {
    srv = await startTestServer({ clock: new ManualClock(NOW) });
    result = await seedDemo(srv.ctx, { accounts, log: () => {} });
    admin = await srv.login('admin@waymark.test');
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('loads the book once, through ingest', async () => {
    expect(result).toMatchObject({ seeded: true, accounts });
    expect(await srv.store.countAccounts()).toBe(accounts);
    expect(result.events).toBeGreaterThan(accounts * 10);
    const events = await srv.store.listEvents('acc-0001', { limit: 500, offset: 0 });
    expect(events.total).toBeGreaterThan(5);
    // Every event was processed by the engine (nothing left pending).
    expect((await srv.store.loadForEvaluation('acc-0001')).pendingEvents).toEqual([]);
    const again = await seedDemo(srv.ctx, { accounts, log: () => {} });
    expect(again.seeded).toBe(false);
    expect(await srv.store.countAccounts()).toBe(accounts);
  });

  it('gives every one of the 8 CSMs tasks in their queue, some of them overdue', async () => {
    let overdue = 0;
    for (const p of DEMO_PEOPLE) {
      const q = await admin.get(`/api/tasks/queue?owner=${p.id}`);
      expect(q.status).toBe(200);
      expect(q.body.total, `${p.id} has open tasks`).toBeGreaterThan(0);
      overdue += q.body.counts.overdue;
    }
    expect(overdue).toBeGreaterThan(0);
    const statuses = await srv.store.taskCounts({}, ['status']);
    const count = (s: string) => statuses.find((x) => x.key.status === s)?.count ?? 0;
    expect(count('done')).toBeGreaterThan(count('open'));
    expect(count('open')).toBeGreaterThan(0);
  });

  it('has a year of stage history, health history, renewals and churn with real timestamps', async () => {
    const changes = await srv.store.listStageChanges({ journeyId: 'lifecycle' });
    expect(changes.length).toBeGreaterThan(accounts);
    const first = Date.parse(changes[0].at);
    const last = Date.parse(changes[changes.length - 1].at);
    expect(first).toBeGreaterThanOrEqual(Date.parse(NOW) - 366 * DAY);
    expect(first).toBeLessThan(Date.parse(NOW) - 330 * DAY);
    expect(last).toBeGreaterThan(Date.parse(NOW) - 60 * DAY);
    expect([...new Set(changes.map((c) => c.to))]).toEqual(expect.arrayContaining(['onboarding', 'initial-value', 'adoption', 'renewal']));

    const tasks = await srv.store.listTasks({}, { limit: 100_000, offset: 0 }, 'created');
    const months = new Set(tasks.items.map((t) => t.createdAt.slice(0, 7)));
    expect(months.size).toBeGreaterThanOrEqual(12);

    const health = await srv.store.listHealthHistory('acc-0001', 100);
    expect(health.length).toBeGreaterThan(3);
    expect(new Set(health.map((h) => h.at.slice(0, 7))).size).toBeGreaterThan(3);

    const all = (await srv.store.listAccounts({}, { limit: 1000, offset: 0 })).items;
    const churned = all.filter((a) => a.account.fields.churned === true);
    expect(result.churned).toBe(churned.length);
    expect(churned.length).toBeGreaterThan(0);
    for (const a of churned) {
      expect(Date.parse(String(a.account.fields.churnedAt))).toBeGreaterThan(Date.parse(NOW) - 366 * DAY);
    }
    expect(result.renewals).toBeGreaterThan(accounts / 3);
    // Renewals rolled forward: the live book renews over the next 12 months.
    const today = NOW.slice(0, 10);
    const live = all.filter((a) => a.account.fields.churned !== true);
    for (const a of live) {
      const r = String(a.account.fields.renewalDate);
      expect(r >= today, `${a.account.id} renewal ${r}`).toBe(true);
      expect(Date.parse(r) - Date.parse(NOW)).toBeLessThan(367 * DAY);
    }
    expect(live.filter((a) => a.state?.health).length).toBeGreaterThan(accounts * 0.8);
  });

  it('feeds the analytics with real numbers', async () => {
    const funnel = await admin.get('/api/analytics/funnel?journey=lifecycle');
    expect(funnel.body.stages[0]).toMatchObject({ id: 'onboarding' });
    expect(funnel.body.stages[0].entered).toBe(accounts);
    expect(funnel.body.stages[0].conversion).toBeGreaterThan(0);
    const mix = await admin.get('/api/analytics/health-mix');
    expect(mix.body.expectedRetention).toBeGreaterThan(0.5);
    const churn = await admin.get('/api/analytics/churn?months=12');
    expect(churn.body.cancelledMrr).toBeGreaterThan(0);
    const team = await admin.get('/api/analytics/team');
    for (const p of DEMO_PEOPLE) expect(team.body.members.find((m: any) => m.id === p.id)?.accounts).toBeGreaterThan(0);
  });
});

describe('one demo seed per store', () => {
  it('of two seeds started together on an empty store, exactly one seeds', async () => {
    const srv = await startTestServer({ clock: new ManualClock(NOW) });
    try {
      const results = await Promise.all([seedDemo(srv.ctx, { accounts: 12, log: () => {}, by: 'web 1' }), seedDemo(srv.ctx, { accounts: 12, log: () => {}, by: 'web 2' })]);
      expect(results.filter((r) => r.seeded)).toHaveLength(1);
      expect(results.find((r) => !r.seeded)!.reason).toMatch(/another process is seeding the demo book|the store already has accounts/);
      expect(await srv.store.countAccounts()).toBe(12);
      expect(JSON.parse((await srv.store.getMeta(DEMO_SEEDING_KEY))!)).toMatchObject({ at: NOW, by: expect.stringMatching(/^web [12]$/) });
    } finally {
      await srv.close();
    }
  });

  describe('a worker holds while another process seeds', () => {
    let store: SqliteStore;
    let now: number;
    const logs: string[] = [];
    const log = (m: string) => logs.push(m);
    beforeEach(async () => {
      store = new SqliteStore(':memory:');
      await store.init();
      now = Date.parse(NOW);
      logs.length = 0;
    });
    afterEach(async () => { await store.close(); });

    it('until the seeded mark appears, saying so when it holds and when it starts', async () => {
      expect(await claimDemoSeed(store, NOW, 'web 7')).toBe(true);
      await store.upsertAccounts([{ id: 'acc-0001', fields: { name: 'Seeded' } }], NOW);
      const gate = demoSeedGate(store, () => now, log);
      const held: boolean[] = [];
      for (let round = 0; round < 5; round++) {
        held.push(await gate());
        now += 1000;
        if (round === 2) await store.setMeta(DEMO_SEEDED_KEY, '{}');
      }
      expect(held).toEqual([true, true, true, false, false]);
      expect(logs).toEqual(['another process (web 7) is seeding the demo book; this worker starts when it is done', 'the demo book is seeded; this worker starts']);
    });

    it('not at all on a seeded store, or on a store with accounts and no seed; and then never reads the store again', async () => {
      const gate = demoSeedGate(store, () => now, log);
      expect(await gate()).toBe(false); // empty store, nobody seeding: asks again next round
      await store.upsertAccounts([{ id: 'a1', fields: {} }], NOW);
      expect(await gate()).toBe(false);
      // Settled: a claim written now (no seed would start on a store with accounts) is not even read.
      await claimDemoSeed(store, NOW, 'late');
      expect(await gate()).toBe(false);
      expect(await demoSeedGate(store, () => now, log)()).toBe(true); // a fresh gate does see it
      await store.setMeta(DEMO_SEEDED_KEY, '{}');
      expect(await demoSeedGate(store, () => now, log)()).toBe(false);
    });

    it('no longer than the claim is fresh (a seed that crashed)', async () => {
      await claimDemoSeed(store, NOW, 'web 8');
      const gate = demoSeedGate(store, () => now, log);
      expect(await gate()).toBe(true);
      now += SEED_CLAIM_STALE_MS;
      expect(await gate()).toBe(true);
      now += 1;
      expect(await gate()).toBe(false);
      expect(logs.at(-1)).toBe('the demo seed in the other process has stopped; this worker starts anyway');
    });

    it('a running worker does no round while held', async () => {
      const srv = await startTestServer({ clock: new ManualClock(NOW) });
      try {
        await srv.store.upsertAccounts([{ id: 'acc-1', fields: { name: 'Due' } }], NOW);
        const roundsSeenWhileHeld: number[] = [];
        let committed!: () => void;
        const done = new Promise<void>((r) => { committed = r; });
        const worker = createWorker(srv.ctx, {
          workerId: 'held', pollMs: 1, log: () => {}, onCommitted: () => committed(),
          // Held for its first three checks (a due account waiting all along), then let go.
          holdWhile: async () => { roundsSeenWhileHeld.push(worker.stats().rounds); return roundsSeenWhileHeld.length <= 3; },
        });
        worker.start();
        await done;
        await worker.stop();
        expect(roundsSeenWhileHeld.slice(0, 4)).toEqual([0, 0, 0, 0]);
        expect(worker.stats().committed).toBe(1);
      } finally {
        await srv.close();
      }
    });
  });
});
