/**
 * Analytics: the pure computations against hand-computed numbers, then the API over a
 * small book run through the real engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Journey } from '../engine/schema/definitions.js';
import { computeFunnel, median, type AccountStageChange } from '../server/analytics/funnel.js';
import { computeHealthMix } from '../server/analytics/health.js';
import { computeChurn } from '../server/analytics/churn.js';
import { computeCtaVolume, weekStart } from '../server/analytics/cta.js';
import { computeTeam } from '../server/analytics/team.js';
import { startTestServer, type ApiClient, type TestServer } from './helpers/server.js';
import { ManualClock } from '../server/clock.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const at = (days: number) => new Date(T0 + days * DAY).toISOString();

const journey: Journey = {
  kind: 'journey', id: 'j', name: 'J', initialStage: 'a',
  stages: [{ id: 'a', name: 'A', targetDays: 10 }, { id: 'b', name: 'B', targetDays: 5 }, { id: 'c', name: 'C' }],
  transitions: [{ id: 'ab', from: 'a', to: 'b' }, { id: 'bc', from: 'b', to: 'c' }],
};
const change = (accountId: string, from: string | null, to: string, day: number): AccountStageChange => ({
  accountId, journeyId: 'j', from, to, at: at(day), reasonText: '', reason: { source: 'journey', definitionId: 'j', version: 1, nodeId: to, trigger: '', values: {}, at: at(day) },
});

describe('funnel (pure)', () => {
  // x: A 4 days, B 6 days, now C. y: A 8 days, now B since day 8. z: in A since day 0.
  // w: passed straight through A and B on day 0 and has churned.
  const changes = [
    change('x', null, 'a', 0), change('x', 'a', 'b', 4), change('x', 'b', 'c', 10),
    change('y', null, 'a', 0), change('y', 'a', 'b', 8),
    change('z', null, 'a', 0),
    change('w', null, 'a', 0), change('w', 'a', 'b', 0), change('w', 'b', 'c', 0),
  ];
  const accounts = [
    { id: 'x', stage: 'c', enteredAt: at(10), churned: false },
    { id: 'y', stage: 'b', enteredAt: at(8), churned: false },
    { id: 'z', stage: 'a', enteredAt: at(0), churned: false },
    { id: 'w', stage: 'c', enteredAt: at(0), churned: true },
  ];

  it('counts accounts now and ever, conversion to the next stage and median days of completed stays', () => {
    const f = computeFunnel(journey, accounts, changes, at(20));
    expect(f.accounts).toBe(3);
    expect(f.churned).toBe(1);
    const [a, b, c] = f.stages;
    expect(a).toMatchObject({ id: 'a', now: 1, entered: 4, nextStage: 'b', conversion: 0.75, medianDays: 6, completedStays: 2, passedThrough: 1, targetDays: 10, overTarget: 1 });
    expect(b).toMatchObject({ id: 'b', now: 1, entered: 3, nextStage: 'c', conversion: 0.6667, medianDays: 6, completedStays: 1, passedThrough: 1, targetDays: 5, overTarget: 1 });
    expect(c).toMatchObject({ id: 'c', now: 1, entered: 2, nextStage: null, conversion: null, medianDays: null, targetDays: null, overTarget: 0 });
  });

  it('only counts the accounts given (a filtered book)', () => {
    const f = computeFunnel(journey, accounts.filter((a) => a.id === 'x' || a.id === 'y'), changes, at(20));
    expect(f.stages.map((s) => [s.entered, s.conversion])).toEqual([[2, 1], [2, 0.5], [1, null]]);
    expect(median([3, 1, 2, 10])).toBe(2.5);
    expect(median([])).toBe(null);
  });
});

describe('health mix (pure)', () => {
  it('gives shares and expected retention by count and by MRR from the scorecard rates', () => {
    const rates = [{ id: 'h', expectedRenewalRate: { green: 0.95, yellow: 0.8, red: 0.5 } }];
    const r = computeHealthMix([
      { mrr: 1000, color: 'green', scorecardId: 'h' }, { mrr: 3000, color: 'green', scorecardId: 'h' },
      { mrr: 1000, color: 'yellow', scorecardId: 'h' }, { mrr: 5000, color: 'red', scorecardId: 'h' },
      { mrr: 500, color: null, scorecardId: null },
    ], rates);
    expect(r).toMatchObject({ accounts: 5, scored: 4, unscored: 1, totalMrr: 10500 });
    expect(r.bands).toEqual([
      { color: 'green', accounts: 2, share: 0.5, mrr: 4000, mrrShare: 0.4, expectedRenewalRate: 0.95 },
      { color: 'yellow', accounts: 1, share: 0.25, mrr: 1000, mrrShare: 0.1, expectedRenewalRate: 0.8 },
      { color: 'red', accounts: 1, share: 0.25, mrr: 5000, mrrShare: 0.5, expectedRenewalRate: 0.5 },
    ]);
    // 0.5 x 0.95 + 0.25 x 0.8 + 0.25 x 0.5
    expect(r.expectedRetention).toBeCloseTo(0.8, 10);
    // 0.4 x 0.95 + 0.1 x 0.8 + 0.5 x 0.5
    expect(r.expectedRetentionMrr).toBeCloseTo(0.71, 10);
    expect(r.expectedRetainedMrr).toBe(7100);
    expect(computeHealthMix([{ mrr: 1, color: 'green', scorecardId: 'x' }], []).expectedRetention).toBe(null);
  });
});

describe('MRR churn (pure)', () => {
  it('divides MRR cancelled in the month by MRR at its start', () => {
    const r = computeChurn([
      { mrr: 1000, startedAt: '2025-01-01T00:00:00.000Z', churnedAt: null },
      { mrr: 500, startedAt: '2025-01-01T00:00:00.000Z', churnedAt: '2026-10-15T12:00:00.000Z' },
      { mrr: 300, startedAt: '2026-10-10T00:00:00.000Z', churnedAt: null },
      { mrr: 200, startedAt: '2025-06-01T00:00:00.000Z', churnedAt: '2026-09-20T12:00:00.000Z' },
    ], '2026-11-22T09:00:00.000Z', 3);
    expect(r.months.map((m) => [m.month, m.startMrr, m.cancelledMrr, m.rate, m.partial])).toEqual([
      ['2026-09', 1700, 200, 0.117647, false],
      ['2026-10', 1500, 500, 0.333333, false],
      ['2026-11', 1300, 0, 0, true],
    ]);
    expect(r.cancelledMrr).toBe(700);
    expect(r.averageMonthlyRate).toBeCloseTo((0.117647 + 0.333333) / 2, 6);
  });
});

describe('CTA volume and team (pure)', () => {
  it('buckets tasks by ISO week (Monday) and type, and counts per owner', () => {
    expect(weekStart('2026-11-08T23:00:00.000Z')).toBe('2026-11-02'); // a Sunday
    expect(weekStart('2026-11-09T00:00:00.000Z')).toBe('2026-11-09');
    const r = computeCtaVolume([
      { createdAt: '2026-11-02T10:00:00.000Z', type: 'risk', owner: 'a', status: 'open' },
      { createdAt: '2026-11-04T10:00:00.000Z', type: 'risk', owner: 'b', status: 'done' },
      { createdAt: '2026-11-10T10:00:00.000Z', type: 'lifecycle', owner: 'a', status: 'open' },
      { createdAt: '2026-12-01T10:00:00.000Z', type: 'risk', owner: 'a', status: 'open' }, // outside
    ], '2026-11-01T00:00:00.000Z', '2026-11-20T00:00:00.000Z', 'week');
    expect(r.total).toBe(3);
    expect(r.periods.map((p) => [p.start, p.total, p.byType.risk, p.byType.lifecycle])).toEqual([
      ['2026-10-26', 0, 0, 0], ['2026-11-02', 2, 2, 0], ['2026-11-09', 1, 0, 1], ['2026-11-16', 0, 0, 0],
    ]);
    expect(r.owners.map((o) => [o.owner, o.total, o.open])).toEqual([['a', 2, 2], ['b', 1, 0]]);
  });

  it('gives each CSM open and overdue tasks, health counts and conversion per step', () => {
    const accounts = [
      { id: 'x', owner: 'csm-1', color: 'green' as const, mrr: 10, stage: 'c', enteredAt: at(10), churned: false },
      { id: 'y', owner: 'csm-1', color: 'red' as const, mrr: 20, stage: 'b', enteredAt: at(8), churned: false },
      { id: 'z', owner: 'csm-2', color: null, mrr: 5, stage: 'a', enteredAt: at(0), churned: false },
    ];
    const changes = [change('x', null, 'a', 0), change('x', 'a', 'b', 4), change('x', 'b', 'c', 10), change('y', null, 'a', 0), change('y', 'a', 'b', 8), change('z', null, 'a', 0)];
    const tasks = [
      { owner: 'csm-1', dueAt: at(19), status: 'open' }, { owner: 'csm-1', dueAt: at(25), status: 'open' }, { owner: 'csm-2', dueAt: at(1), status: 'open' },
    ];
    const r = computeTeam([{ id: 'csm-1', name: 'One' }, { id: 'csm-2', name: 'Two' }], accounts, tasks, journey, changes, at(20));
    expect(r.members[0]).toEqual({
      id: 'csm-1', name: 'One', accounts: 2, mrr: 30, health: { green: 1, yellow: 0, red: 1, unscored: 0 }, openTasks: 2, overdueTasks: 1,
      conversion: [{ from: 'a', to: 'b', entered: 2, converted: 2, rate: 1 }, { from: 'b', to: 'c', entered: 2, converted: 1, rate: 0.5 }],
    });
    expect(r.members[1]).toMatchObject({ accounts: 1, health: { unscored: 1 }, openTasks: 1, overdueTasks: 1, conversion: [{ from: 'a', to: 'b', entered: 1, converted: 0, rate: 0 }, { from: 'b', to: 'c', entered: 0, converted: 0, rate: null }] });
  });
});

describe('analytics API over a small book run by the engine', () => {
  let srv: TestServer;
  let clock: ManualClock;
  let admin: ApiClient;
  let viewer: ApiClient;
  const start = Date.parse('2026-11-02T09:00:00.000Z');

  beforeAll(async () => {
    clock = new ManualClock(start);
    srv = await startTestServer({ clock });
    admin = await srv.login('admin@waymark.test');
    // csmSentiment: with the usage snapshot below, enough measures carry data for a health score (minCoverage).
    const base = { tier: 'tier-2', segment: 'low-touch', renewalDate: '2027-09-01', contractStartDate: '2026-11-02', adminSelfSufficient: false, deploymentDocumented: false, csmSentiment: 4 };
    const bulk = await admin.post('/api/accounts/bulk', {
      accounts: [
        { id: 'f-1', name: 'Funnel One', owner: 'csm-1', mrr: 1000, ...base },
        { id: 'f-2', name: 'Funnel Two', owner: 'csm-1', mrr: 2000, ...base },
        { id: 'f-3', name: 'Funnel Three', owner: 'csm-2', mrr: 3000, ...base },
        { id: 'f-4', name: 'Funnel Four', owner: 'csm-2', mrr: 4000, ...base },
        // The churn book (tech-touch): MRR, contract start and cancellations by hand.
        { id: 'c-a', name: 'Churn A', owner: 'csm-3', segment: 'tech-touch', tier: 'tier-3', mrr: 1000, contractStartDate: '2025-01-01' },
        { id: 'c-b', name: 'Churn B', owner: 'csm-3', segment: 'tech-touch', tier: 'tier-3', mrr: 500, contractStartDate: '2025-01-01', churned: true, churnedAt: '2026-10-15T12:00:00Z' },
        { id: 'c-c', name: 'Churn C', owner: 'csm-3', segment: 'tech-touch', tier: 'tier-3', mrr: 300, contractStartDate: '2026-10-10' },
        { id: 'c-d', name: 'Churn D', owner: 'csm-3', segment: 'tech-touch', tier: 'tier-3', mrr: 200, contractStartDate: '2025-06-01', churned: true, churnedAt: '2026-09-20T12:00:00Z' },
      ],
    });
    expect(bulk.body.rejected).toEqual([]);
    // f-1 and f-3 use the product well from day 0; f-2 and f-4 barely.
    const usage = (id: string, good: boolean) => ({
      id: `u-${id}`, accountId: id, type: 'usage.snapshot', occurredAt: new Date(start).toISOString(),
      data: good ? { dau: 80, dauTrendPct: 0, featuresUsed: 8, keyFeaturesGreen: 6 } : { dau: 5, dauTrendPct: 0, featuresUsed: 2, keyFeaturesGreen: 1 },
    });
    const ev = await admin.post('/api/events', { events: [usage('f-1', true), usage('f-2', false), usage('f-3', true), usage('f-4', false)] });
    expect(ev.body.rejected).toEqual([]);
    await srv.drain();
    // Day 14: the initial value moment for f-1 and f-3 (usage green for 14 days, 5+ features).
    clock.set(start + 14 * DAY);
    await srv.drain();
    // Day 20: f-1's admin is self-sufficient and the deployment documented: on to Adoption.
    clock.set(start + 20 * DAY);
    admin = await srv.login('admin@waymark.test');
    await admin.post('/api/accounts/bulk', { accounts: [{ id: 'f-1', adminSelfSufficient: true, deploymentDocumented: true }] });
    await srv.drain();
    viewer = await srv.login('viewer@waymark.test');
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('funnel: conversion and median days from the engine\'s stage history', async () => {
    const res = await viewer.get('/api/analytics/funnel?journey=lifecycle&segment=low-touch');
    expect(res.status).toBe(200);
    const s = Object.fromEntries(res.body.stages.map((x: any) => [x.id, x]));
    expect(s.onboarding).toMatchObject({ now: 2, entered: 4, conversion: 0.5, medianDays: 14, targetDays: 60 });
    expect(s['initial-value']).toMatchObject({ now: 1, entered: 2, conversion: 0.5, medianDays: 6, targetDays: 21 });
    expect(s.adoption).toMatchObject({ now: 1, entered: 1, conversion: 0, medianDays: null });

    const mine = await viewer.get('/api/analytics/funnel?journey=lifecycle&owner=csm-1');
    const m = Object.fromEntries(mine.body.stages.map((x: any) => [x.id, x]));
    expect(m.onboarding).toMatchObject({ entered: 2, conversion: 0.5 });
    expect(m['initial-value']).toMatchObject({ entered: 1, conversion: 1, medianDays: 6 });
    expect((await viewer.get('/api/analytics/funnel?journey=nope')).status).toBe(404);
    expect((await viewer.get('/api/analytics/funnel?bogus=1')).status).toBe(400);
  });

  it('health mix: expected retention is the share of each colour times its renewal rate', async () => {
    const res = await viewer.get('/api/analytics/health-mix?segment=low-touch');
    expect(res.status).toBe(200);
    const accounts = (await viewer.get('/api/accounts?segment=low-touch&limit=100')).body.items as any[];
    const colorOf = (a: any) => a.health?.color ?? a.state?.health?.color ?? null;
    const colors = accounts.map(colorOf).filter(Boolean);
    expect(colors.length).toBe(4);
    const rates = JSON.parse(fs.readFileSync(path.join(srv.playbooksDir, 'health.json'), 'utf8')).expectedRenewalRate;
    const expected = colors.reduce((s: number, c: string) => s + rates[c], 0) / colors.length;
    expect(res.body.scored).toBe(4);
    expect(res.body.expectedRetention).toBeCloseTo(expected, 4);
    for (const band of res.body.bands) expect(band.accounts).toBe(colors.filter((c: string) => c === band.color).length);
  });

  it('churn: MRR cancelled during each month over MRR at its start', async () => {
    const res = await viewer.get('/api/analytics/churn?months=3&segment=tech-touch');
    expect(res.status).toBe(200);
    expect(res.body.months.map((m: any) => [m.month, m.startMrr, m.cancelledMrr, m.rate])).toEqual([
      ['2026-09', 1700, 200, 0.117647], ['2026-10', 1500, 500, 0.333333], ['2026-11', 1300, 0, 0],
    ]);
    expect((await viewer.get('/api/analytics/churn?months=99')).status).toBe(400);
  });

  it('CTA volume and team: the tasks the engine created, by week, type and owner', async () => {
    const all = await srv.store.listTasks({}, { limit: 1000, offset: 0 });
    expect(all.total).toBeGreaterThan(0);
    const res = await viewer.get(`/api/analytics/cta-volume?from=${encodeURIComponent(new Date(start - DAY).toISOString())}`);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(all.total);
    expect(res.body.periods.reduce((s: number, p: any) => s + p.total, 0)).toBe(all.total);
    const byOwner = new Map<string, number>();
    for (const t of all.items) byOwner.set(t.owner, (byOwner.get(t.owner) ?? 0) + 1);
    for (const o of res.body.owners) expect(o.total).toBe(byOwner.get(o.owner));
    expect(res.body.owners.find((o: any) => o.owner === 'csm-1').name).toBe('Maya Chen');

    const team = await viewer.get('/api/analytics/team?journey=lifecycle');
    expect(team.status).toBe(200);
    const csm1 = team.body.members.find((m: any) => m.id === 'csm-1');
    const open = all.items.filter((t) => t.owner === 'csm-1' && t.status === 'open');
    expect(csm1.openTasks).toBe(open.length);
    expect(csm1.overdueTasks).toBe(open.filter((t) => t.dueAt < clock.now().toISOString()).length);
    expect(csm1.accounts).toBe(2);
    expect(csm1.conversion[0]).toMatchObject({ from: 'onboarding', to: 'initial-value', entered: 2, converted: 1, rate: 0.5 });
    expect(Object.values(csm1.health as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(2);
    expect(team.body.members.map((m: any) => m.id)).toEqual(expect.arrayContaining(['csm-1', 'csm-2', 'csm-3']));
  });

  it('counts only CSMs in the team and puts role-owned tasks in the queue of the user with that team role', async () => {
    // A detractor: after 5 days without a reply, the CS manager (role:cs-manager) is asked to step in.
    const nps = { id: 'nps-f4', accountId: 'f-4', type: 'nps.response', occurredAt: clock.now().toISOString(), data: { score: 2 } };
    expect((await admin.post('/api/events', { events: [nps] })).body.rejected).toEqual([]);
    await srv.drain();
    clock.set(clock.now().getTime() + 6 * DAY);
    await srv.drain();
    viewer = await srv.login('viewer@waymark.test');
    const roleTasks = (await srv.store.listTasks({ owner: 'role:cs-manager', status: 'open' }, { limit: 100, offset: 0 })).items;
    expect(roleTasks.length).toBeGreaterThan(0);

    const cta = await viewer.get(`/api/analytics/cta-volume?from=${encodeURIComponent(new Date(start - DAY).toISOString())}`);
    expect(cta.body.owners.some((o: any) => o.owner.startsWith('role:') || /Unassigned/.test(o.name))).toBe(false);
    const alex = cta.body.owners.find((o: any) => o.owner === 'admin');
    expect(alex).toMatchObject({ name: 'Alex Morgan (Head of CS)' });
    expect(alex.open).toBeGreaterThanOrEqual(roleTasks.length);

    // Filtered to the CS manager, the role queue they alone hold is theirs too.
    const mine = await viewer.get(`/api/analytics/cta-volume?owner=admin&from=${encodeURIComponent(new Date(start - DAY).toISOString())}`);
    expect(mine.body.owners.map((o: any) => o.owner)).toEqual(['admin']);
    expect(mine.body.total).toBe(alex.total);

    const team = await viewer.get('/api/analytics/team');
    const ids = team.body.members.map((m: any) => m.id);
    // The support manager has the csm permission role but is not a CSM; the CS manager neither.
    expect(ids).not.toContain('support-1');
    expect(ids).not.toContain('admin');
    expect(ids).toEqual(expect.arrayContaining(['csm-1', 'csm-2', 'csm-3']));
    const queue = team.body.queues.find((q: any) => q.id === 'admin');
    expect(queue).toMatchObject({ name: 'Alex Morgan (Head of CS)', teamRole: 'cs-manager' });
    const own = (await srv.store.listTasks({ owner: 'admin', status: 'open' }, { limit: 0, offset: 0 })).total;
    expect(queue.openTasks).toBe(own + roleTasks.length);
  });

  it('requires sign-in', async () => {
    expect((await srv.anon().get('/api/analytics/health-mix')).status).toBe(401);
  });
});
