/**
 * The horizon (nextWakeAt of an account whose evaluation changed nothing): looking at an account
 * only when it is due - its nextWakeAt has come, or it received an event, a field edit or a task
 * change - gives exactly what looking at it every day gives (every day as the worker did before:
 * by the next midnight after each evaluation). And the date-comparison analysis behind it, case
 * by case and against a brute-force scan.
 */
import { describe, expect, it, vi } from 'vitest';
import { compileLibrary, type CompiledLibrary } from '../engine/runtime/index.js';
import type { Journey, Playbook } from '../engine/schema/definitions.js';
import { HorizonPlanBuilder, horizonOf } from '../engine/runtime/horizon.js';
import { buildConditionData, parseDateMs } from '../engine/conditions/index.js';
import { generateAccounts, prng } from '../bench/accounts.js';
import { loadSampleLibrary } from './golden/library.js';
import { randomEvent } from './helpers/random-events.js';
import { Book, DAY, FIELDS, acct, at, chain, libOf, playbook, taskNode, T0 } from './golden/harness.js';

vi.setConfig({ testTimeout: 300_000 });

const input = loadSampleLibrary();
const sampleLib = compileLibrary(input);
const lib = sampleLib;

/** A field changed outside events (a CRM sync): dates with and without a time of day. */
function editField(rnd: () => number, fields: Record<string, unknown>, nowMs: number): Record<string, unknown> {
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const day = (offset: number) => {
    const iso = new Date(nowMs + offset * DAY + int(0, 23) * 3_600_000 + int(0, 59) * 60_000).toISOString();
    return rnd() < 0.5 ? iso.slice(0, 10) : iso;
  };
  switch (int(0, 8)) {
    case 0: return { ...fields, renewalDate: day(int(-5, 200)) };
    case 1: return { ...fields, churned: rnd() < 0.5 };
    case 2: return { ...fields, dauTrendPct: int(-60, 40) };
    case 3: return { ...fields, keyFeaturesGreen: int(0, 7), featuresUsed: int(0, 12), licensesDeployed: int(0, 100), licensesPurchased: int(50, 100) };
    case 4: return { ...fields, csmSentiment: int(1, 5), supportResolutionTargetDays: int(1, 20) };
    case 5: return { ...fields, bugTickets: int(0, 6), oldestHighPriorityBugOpenedAt: rnd() < 0.3 ? null : day(int(-40, 0)) };
    case 6: return { ...fields, lastCsmUpdateAt: day(int(-40, 0)) };
    case 7: return { ...fields, usageGreenSince: rnd() < 0.3 ? null : day(int(-60, 0)) };
    default: return { ...fields, openHighPriorityTickets: int(0, 3), oldestHighPriorityTicketOpenedAt: day(int(-30, 0)) };
  }
}

const snapshot = (b: Book) => JSON.stringify({ account: b.account, state: b.state, instances: [...b.instances.values()], tasks: [...b.tasks.values()] });

/**
 * Accounts driven for `days` daily ticks at `tickHour` UTC, two books side by side, both
 * evaluating every event when it comes and after a field edit or a completed task:
 *  - daily: as before the horizon - looked at again by the next midnight after every
 *    evaluation (so at every tick, except a tick that comes after an event evaluated earlier
 *    that same day, which is what the worker did with the old next-midnight wake time);
 *  - due: only when its nextWakeAt has come.
 * Returns counts of what happened.
 */
function drive(seed: number, accounts: number, days: number, tickHour: number, lib: CompiledLibrary = sampleLib) {
  const t0 = Date.parse('2026-11-22T00:00:00.000Z') + tickHour * 3_600_000;
  const book = generateAccounts(accounts, input.fields.fields, t0, seed);
  const rnd = prng(seed * 31 + tickHour);
  const seen = { ticks: 0, evaluated: 0, dueByClock: 0, dueByClockActed: 0, effects: 0, stageMoves: 0, started: 0, exits: 0 };
  for (const account of book) {
    const every = new Book(lib, account);
    const due = new Book(lib, account);
    let wake = -Infinity;
    // The daily book's wake: its nextWakeAt, but by the next midnight at the latest.
    let daily = -Infinity;
    const dailyWake = (r: { nextWakeAt: string | null }, at: number) => Math.min(r.nextWakeAt ? Date.parse(r.nextWakeAt) : Infinity, (Math.floor(at / DAY) + 1) * DAY);
    let n = 0;
    for (let d = 0; d <= days; d++) {
      const tick = t0 + d * DAY;
      const now = new Date(tick).toISOString();
      let forced = d === 0;
      // Events at any time of day since the last tick (both books evaluate them).
      for (let k = 0; k < 2; k++) {
        if (rnd() >= 0.12) continue;
        const when = new Date(tick - DAY + 1 + Math.floor(rnd() * (DAY - 1))).toISOString();
        const ev = randomEvent(rnd, account.id, n++, when);
        daily = dailyWake(every.run(when, { event: ev }), Date.parse(when));
        const r = due.run(when, { event: ev });
        wake = r.nextWakeAt ? Date.parse(r.nextWakeAt) : Infinity;
      }
      if (rnd() < 0.1) {
        const fields = editField(rnd, every.account.fields, tick);
        every.account = { ...every.account, fields };
        due.account = { ...due.account, fields };
        forced = true;
      }
      const open = every.open();
      if (open.length > 0 && rnd() < 0.1) {
        const id = open[Math.floor(rnd() * open.length)].id;
        every.complete(id, now);
        expect(due.tasks.has(id), `task ${id} in the due book`).toBe(true);
        due.complete(id, now);
        forced = true;
      }
      seen.ticks++;
      if (forced || daily <= tick) {
        const r = every.run(now);
        daily = dailyWake(r, tick);
        seen.effects += r.effects.length;
        for (const e of r.effects) if (e.kind === 'stageChanged') seen.stageMoves++;
        for (const i of r.instances) for (const s of i.path) if (s.at === now) {
          if (s.outcome === 'started') seen.started++;
          if (s.outcome === 'exited') seen.exits++;
        }
      }
      if (forced || wake <= tick) {
        const rd = due.run(now);
        seen.evaluated++;
        if (!forced) {
          seen.dueByClock++;
          if (rd.effects.length > 0) seen.dueByClockActed++;
        }
        wake = rd.nextWakeAt ? Date.parse(rd.nextWakeAt) : Infinity;
      }
      expect(snapshot(due), `${account.id} on day ${d} (${now})`).toBe(snapshot(every));
    }
  }
  return seen;
}

describe('evaluating an account only when it is due', () => {
  it('gives exactly the daily evaluation\'s effects, states, runs and tasks (ticks at 09:00)', () => {
    const seen = drive(3, 60, 200, 9);
    // The drive did change things through the clock alone, and skipped most days.
    expect(seen.dueByClockActed).toBeGreaterThan(50);
    expect(seen.stageMoves).toBeGreaterThan(20);
    expect(seen.started).toBeGreaterThan(50);
    expect(seen.exits).toBeGreaterThan(10);
    expect(seen.evaluated).toBeLessThan(seen.ticks * 0.5);
  });

  it('also with ticks at midnight, where a days_until step lands 1 ms after a date-only date\'s midnight', () => {
    const seen = drive(4, 40, 200, 0);
    expect(seen.dueByClockActed).toBeGreaterThan(30);
    expect(seen.evaluated).toBeLessThan(seen.ticks * 0.6);
  });
});

/**
 * Forms the sample library does not use: days in stage, an atom with constants added or taken, an
 * equality that holds for one day, a three-argument between, a schedule whose audience is timed,
 * a timed closeWhen and a timed exit.
 */
function formsLibrary(): CompiledLibrary {
  const journey: Journey = {
    kind: 'journey', id: 'steps', name: 'Steps', initialStage: 'a',
    stages: [
      { id: 'a', name: 'A', exit: { '>=': [{ var: 'journey.steps.daysInStage' }, 9] } },
      { id: 'b', name: 'B', exit: { '>': [{ '+': [{ var: 'journey.steps.daysInStage' }, 2] }, 6] } },
      { id: 'c', name: 'C', exit: { '<=': [0, { days_until: [{ var: 'renewalDate' }] }, 40] } },
    ],
    transitions: [
      { id: 'ab', from: 'a', to: 'b' },
      { id: 'bc', from: 'b', to: 'c' },
      { id: 'ca', from: 'c', to: 'a', when: { '!': [{ var: 'churned' }] } },
    ],
  } as unknown as Journey;
  const playbooks: Playbook[] = [
    playbook({
      id: 'exactly-four', reentry: { policy: 'after-exit' },
      trigger: { type: 'condition', when: { '==': [{ '-': [{ days_since: [{ var: 'lastCsmUpdateAt' }] }, 3] }, 4] } },
      nodes: [taskNode('t', 'Seven days', { closeWhen: { '>': [{ days_since: [{ var: 'lastCsmUpdateAt' }] }, 12] } }), { id: 'w', kind: 'wait', wait: { type: 'task-done', task: 't', timeout: { days: 20 } } }, { id: 'end', kind: 'end' }],
      edges: [...chain('t', 'w', 'end'), { id: 'late', from: 'w', to: 'end', branch: 'timeout' }],
      exit: { when: { '<': [{ '-': [10, { days_since: [{ var: 'npsRespondedAt' }] }] }, -20] }, openTasks: 'close' },
    } as Partial<Playbook> as Playbook),
    playbook({
      id: 'weekly', reentry: { policy: 'after-exit' },
      trigger: { type: 'schedule', everyDays: 7 },
      audience: { '<': [{ days_until: [{ var: 'renewalDate' }] }, { var: 'supportResolutionTargetDays' }] },
      nodes: [taskNode('t', 'Weekly'), { id: 'end', kind: 'end' }],
      edges: chain('t', 'end'),
    } as Partial<Playbook> as Playbook),
  ];
  return libOf({ playbooks, journeys: [journey] });
}

describe('evaluating only when due, over forms the sample library does not use', () => {
  it('gives exactly the daily evaluation\'s results', () => {
    const l = formsLibrary();
    expect(l.horizon.fallback).toBe(false);
    expect(l.horizon.atoms.map((a) => a.kind).sort()).toEqual(['since', 'since', 'stage', 'until']);
    const seen = drive(5, 40, 150, 9, l);
    expect(seen.dueByClockActed).toBeGreaterThan(30);
    expect(seen.stageMoves).toBeGreaterThan(30);
    expect(seen.started).toBeGreaterThan(30);
    expect(seen.evaluated).toBeLessThan(seen.ticks * 0.6);
  });
});

describe('nextWakeAt', () => {
  const renewal = playbook({
    id: 'renewal',
    trigger: { type: 'condition', when: { '<=': [{ days_until: [{ var: 'renewalDate' }] }, 90] } },
    nodes: [taskNode('call', 'Renewal call'), { id: 'end', kind: 'end' }],
    edges: chain('call', 'end'),
  });

  it('is the day a watched date comparison flips when nothing changed, and the next midnight after a change', () => {
    const l = libOf({ playbooks: [renewal] });
    const book = new Book(l, acct('a1', { renewalDate: '2027-06-01' }));
    // First evaluation creates the account state: looked at again by the next midnight.
    expect(book.run(T0).nextWakeAt).toBe('2026-11-23T00:00:00.000Z');
    // Nothing changes now: due when days_until reaches 90 - it is 91 up to 2027-03-02T00:00:00.000Z
    // and 90 from 1 ms later (91 days before the date, plus 1 ms).
    expect(book.run(at(1)).nextWakeAt).toBe('2027-03-02T00:00:00.001Z');
    expect(book.run('2027-03-02T00:00:00.000Z').effects).toEqual([]);
    // Then the trigger fires (a change), and the next look is the next midnight.
    const fired = book.run('2027-03-02T00:00:00.001Z');
    expect(book.created(fired).length).toBe(1);
    expect(fired.nextWakeAt).toBe('2027-03-03T00:00:00.000Z');
    // Stays true from then on (days_until only falls): nothing more to watch.
    expect(book.run('2027-03-03T09:00:00.000Z').nextWakeAt).toBe(null);
  });

  it('is the next midnight after a change, because a change need not be a fixed point', () => {
    // The task is created (step 5) after tasks that close themselves were checked (step 4), with
    // its closeWhen already true: only the next look closes it. The horizon of the trigger alone
    // would be never (stays true), so without the next-midnight look the task would stay open.
    const late = playbook({
      id: 'late', trigger: { type: 'condition', when: { '>': [{ days_since: [{ var: 'lastCsmUpdateAt' }] }, 7] } },
      nodes: [taskNode('t', 'Update', { closeWhen: { '>': [{ days_since: [{ var: 'lastCsmUpdateAt' }] }, 7] } }), { id: 'end', kind: 'end' }],
      edges: chain('t', 'end'),
    });
    const book = new Book(libOf({ playbooks: [late] }), acct('a1', { lastCsmUpdateAt: '2026-11-01' }));
    const first = book.run(T0);
    expect(book.created(first).length).toBe(1);
    expect(first.nextWakeAt).toBe('2026-11-23T00:00:00.000Z');
    const next = book.run('2026-11-23T00:00:00.000Z');
    expect(next.effects.map((e) => e.kind)).toContain('closeTask');
    expect(book.run(at(2)).nextWakeAt).toBe(null);
  });

  it('is the next midnight, as before, when a time-relative rule cannot be analysed', () => {
    const odd = playbook({ ...renewal, id: 'odd', trigger: { type: 'condition', when: { '<=': [{ '*': [{ days_until: [{ var: 'renewalDate' }] }, 2] }, 180] } } });
    const l = libOf({ playbooks: [odd] });
    expect(l.horizon.fallback).toBe(true);
    const book = new Book(l, acct('a1', { renewalDate: '2027-06-01' }));
    book.run(T0);
    expect(book.run(at(1)).nextWakeAt).toBe('2026-11-24T00:00:00.000Z');
  });

  it('does not watch event-trigger conditions or condition nodes (read only at evaluations that happen anyway)', () => {
    const onEvent = playbook({ id: 'ev', trigger: { type: 'event', eventType: 'nps.response', when: { '>': [{ days_since: [{ var: 'contractStartDate' }] }, 30] } }, nodes: [taskNode('t', 'T'), { id: 'end', kind: 'end' }], edges: chain('t', 'end') });
    const l = libOf({ playbooks: [onEvent] });
    expect(l.horizon).toEqual({ fallback: false, atoms: [], cmps: [] });
  });
});

/** The plan of one rule, and its horizon for some data at now. */
function horizon(rule: unknown, fields: Record<string, unknown>, now: string, journey?: { id: string; enteredAt: string }): number | 'fallback' {
  const b = new HorizonPlanBuilder();
  b.watch(rule);
  if (b.plan.fallback) return 'fallback';
  const data = buildConditionData({ fields, tags: [], flags: {}, journey: journey ? { [journey.id]: { stage: 's', daysInStage: 0 } } : {} });
  return horizonOf(b.plan, data, Date.parse(now), journey ? { [journey.id]: { enteredAt: journey.enteredAt } } : {});
}
const iso = (ms: number | string) => (typeof ms === 'number' ? (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms)) : ms);
const since = (v = 'd') => ({ days_since: [{ var: v }] });
const until = (v = 'd') => ({ days_until: [{ var: v }] });

describe('the date-comparison analysis', () => {
  const now = '2026-11-22T09:00:00.000Z';
  const h = (rule: unknown, d: unknown, extra: Record<string, unknown> = {}) => iso(horizon(rule, { d, ...extra }, now));

  it('days_since with >, >=, <, <=, == and the atom on either side', () => {
    // d = 2026-11-19 (date only): days_since is 3 now, 4 from 2026-11-23T00:00Z, n from d + n days.
    expect(h({ '>=': [since(), 14] }, '2026-11-19')).toBe('2026-12-03T00:00:00.000Z');
    expect(h({ '>': [since(), 14] }, '2026-11-19')).toBe('2026-12-04T00:00:00.000Z');
    expect(h({ '<': [since(), 14] }, '2026-11-19')).toBe('2026-12-03T00:00:00.000Z');
    expect(h({ '<=': [since(), 14] }, '2026-11-19')).toBe('2026-12-04T00:00:00.000Z');
    expect(h({ '==': [since(), 14] }, '2026-11-19')).toBe('2026-12-03T00:00:00.000Z');
    expect(h({ '!=': [since(), 14] }, '2026-11-19')).toBe('2026-12-03T00:00:00.000Z');
    expect(h({ '<': [14, since()] }, '2026-11-19')).toBe('2026-12-04T00:00:00.000Z');
    expect(h({ '<=': [14, since()] }, '2026-11-19')).toBe('2026-12-03T00:00:00.000Z');
    // == that holds now flips when the day is over.
    expect(h({ '==': [since(), 3] }, '2026-11-19')).toBe('2026-11-23T00:00:00.000Z');
    expect(h({ '===': [3, since()] }, '2026-11-19')).toBe('2026-11-23T00:00:00.000Z');
  });

  it('steps at the date\'s own time of day, not at midnight', () => {
    expect(h({ '>': [since(), 7] }, '2026-11-19T14:30:00.000Z')).toBe('2026-11-27T14:30:00.000Z');
    expect(h({ '>': [since(), 7] }, '2026-11-19T14:30:00+02:00')).toBe('2026-11-27T12:30:00.000Z');
  });

  it('days_until counts down: value n holds from 1 ms after d - (n + 1) days', () => {
    // days_until("2027-03-01") at 2026-11-22T09:00Z is 98.
    expect(h({ '<=': [until(), 90] }, '2027-03-01')).toBe('2026-11-30T00:00:00.001Z');
    expect(h({ '<': [until(), 90] }, '2027-03-01')).toBe('2026-12-01T00:00:00.001Z');
    expect(h({ '>': [until(), 90] }, '2027-03-01')).toBe('2026-11-30T00:00:00.001Z');
    expect(h({ '>=': [90, until()] }, '2027-03-01')).toBe('2026-11-30T00:00:00.001Z');
    expect(h({ '==': [until(), 0] }, '2027-03-01')).toBe('2027-02-28T00:00:00.001Z');
    expect(h({ '>=': [until(), 0] }, '2027-03-01')).toBe('2027-03-01T00:00:00.001Z');
  });

  it('never, when the comparison can no longer change or the date is missing or invalid', () => {
    expect(h({ '>=': [since(), 2] }, '2026-11-19')).toBe('Infinity'); // already true, stays true
    expect(h({ '<=': [until(), 120] }, '2027-01-01')).toBe('Infinity');
    expect(h({ '>=': [since(), 14] }, null)).toBe('Infinity');
    expect(h({ '>=': [since(), 14] }, undefined)).toBe('Infinity');
    expect(h({ '>=': [since(), 14] }, 'not a date')).toBe('Infinity');
    expect(h({ '>=': [since(), 'abc'] }, '2026-11-19')).toBe('Infinity'); // compares as NaN: always false
    expect(h({ '==': [since(), 14.5] }, '2026-11-19')).toBe('Infinity');
  });

  it('reads the other side from the account\'s data, with json-logic coercions', () => {
    expect(h({ '>': [since(), { var: 'target' }] }, '2026-11-19', { target: 10 })).toBe('2026-11-30T00:00:00.000Z');
    expect(h({ '>': [since(), { var: 'target' }] }, '2026-11-19', { target: '10' })).toBe('2026-11-30T00:00:00.000Z');
    expect(h({ '>': [since(), { var: 'target' }] }, '2026-11-19', { target: null })).toBe('Infinity'); // 3 > null (0) already
    expect(h({ '<': [until(), { var: 'target' }] }, '2026-11-25', {})).toBe('2026-11-25T00:00:00.001Z'); // < null: < 0
    expect(h({ '>': [since(), { '+': [{ var: 'target' }, 2] }] }, '2026-11-19', { target: 10 })).toBe('2026-12-02T00:00:00.000Z');
  });

  it('handles constants added to or subtracted from the atom, and the three-argument between', () => {
    expect(h({ '>=': [{ '+': [since(), 2] }, 14] }, '2026-11-19')).toBe('2026-12-01T00:00:00.000Z');
    expect(h({ '>=': [{ '-': [since(), 2] }, 14] }, '2026-11-19')).toBe('2026-12-05T00:00:00.000Z');
    expect(h({ '<=': [{ '-': [100, until()] }, 10] }, '2027-03-01')).toBe('2026-12-01T00:00:00.001Z'); // 100 - 89 > 10
    expect(h({ '<=': [0, until(), 90] }, '2027-03-01')).toBe('2026-11-30T00:00:00.001Z');
    expect(h({ '<=': [0, until(), 120] }, '2027-03-01')).toBe('2027-03-01T00:00:00.001Z');
  });

  it('reads days in stage from the stage entry time (0 before a day has passed)', () => {
    const rule = { '>=': [{ var: 'journey.life.daysInStage' }, 30] };
    expect(iso(horizon(rule, {}, now, { id: 'life', enteredAt: '2026-11-20T15:00:00.000Z' }))).toBe('2026-12-20T15:00:00.000Z');
    expect(iso(horizon(rule, {}, now))).toBe('Infinity'); // not in the journey
    expect(iso(horizon({ '>=': [{ var: 'journey.life.daysInStage' }, 0] }, {}, now, { id: 'life', enteredAt: '2026-11-25T00:00:00.000Z' }))).toBe('Infinity');
  });

  it('ignores rules that do not read the clock, and takes the earliest of several comparisons', () => {
    expect(h({ '!!': [{ var: 'd' }] }, '2026-11-19')).toBe('Infinity');
    expect(h({ and: [{ '>=': [since(), 14] }, { or: [{ '<': [since(), 5] }, { '!': [{ var: 'x' }] }] }] }, '2026-11-19')).toBe('2026-11-24T00:00:00.000Z');
    expect(h({ if: [{ '>': [since(), 4] }, 'late', 'fine'] }, '2026-11-19')).toBe('2026-11-24T00:00:00.000Z');
  });

  it('falls back (next midnight) for forms it does not analyse', () => {
    const d = '2026-11-19';
    expect(h({ '>': [{ '*': [since(), 2] }, 14] }, d)).toBe('fallback');
    expect(h({ '!!': [since()] }, d)).toBe('fallback');
    expect(h({ '>': [since(), until('e')] }, d)).toBe('fallback');
    expect(h({ and: [true, since()] }, d)).toBe('fallback');
    expect(h({ '>': [{ var: 'journey' }, 1] }, d)).toBe('fallback');
    expect(h({ '>': [{ var: 'journey.life.daysInStage', }, { var: 'journey.life.daysInStage' }] }, d)).toBe('fallback');
    expect(h({ some: [{ var: 'tags' }, { '>': [since(), 1] }] }, d)).toBe('fallback');
    expect(h({ '<': [1, 2, 3, since()] }, d)).toBe('fallback');
    expect(h({ '>': [{ var: '' }, 1] }, d)).toBe('fallback');
  });

  it('matches a brute-force scan of every instant the atom steps, over random comparisons', () => {
    const rnd = prng(17);
    const ops = ['==', '===', '!=', '!==', '<', '<=', '>', '>='] as const;
    const others: unknown[] = [0, 1, -1, 3, 7, 14, 30, 90, 120, -5, 2.5, '14', '', 'x', null, true, false, [7], [1, 2]];
    for (let i = 0; i < 1500; i++) {
      const op = ops[Math.floor(rnd() * ops.length)];
      const kind = rnd() < 0.5 ? 'days_since' : 'days_until';
      const wrap = Math.floor(rnd() * 4);
      const atom0 = { [kind]: [{ var: 'd' }] };
      const atom = wrap === 0 ? atom0 : wrap === 1 ? { '+': [atom0, 3] } : wrap === 2 ? { '-': [10, atom0] } : { '-': [atom0, 0.5] };
      const other = others[Math.floor(rnd() * others.length)];
      const left = rnd() < 0.5;
      const rule = { [op]: left ? [atom, other] : [other, atom] };
      const nowMs = Date.parse(now) + Math.floor(rnd() * DAY);
      const dMs = nowMs + Math.floor((rnd() - 0.5) * 300) * DAY + Math.floor(rnd() * DAY);
      const dText = rnd() < 0.5 ? new Date(dMs).toISOString() : new Date(dMs).toISOString().slice(0, 10);
      const b = new HorizonPlanBuilder();
      b.watch(rule);
      expect(b.plan.fallback).toBe(false);
      const data = buildConditionData({ fields: { d: dText }, tags: [], flags: {} });
      const got = horizonOf(b.plan, data, nowMs, {});
      // Brute force: the instants where the atom takes a new value, for 400 days.
      const dm = parseDateMs(dText)!;
      const value = (t: number) => {
        const a = kind === 'days_since' ? Math.floor((t - dm) / DAY) : Math.floor((dm - t) / DAY);
        const v = wrap === 0 ? a : wrap === 1 ? a + 3 : wrap === 2 ? 10 - a : a - 0.5;
        return cmpJs(op, left ? v : other, left ? other : v);
      };
      const v0 = value(nowMs);
      let want = Infinity;
      const first = kind === 'days_since' ? dm + (Math.floor((nowMs - dm) / DAY) + 1) * DAY : dm - Math.floor((dm - nowMs) / DAY) * DAY + 1;
      for (let k = 0; k < 400; k++) {
        const t = first + k * DAY;
        expect(value(t - 1), 'the atom is constant between steps').toBe(k === 0 ? v0 : value(first + (k - 1) * DAY));
        if (value(t) !== v0) {
          want = t;
          break;
        }
      }
      expect(iso(got), `${JSON.stringify(rule)} d=${dText} now=${iso(nowMs)}`).toBe(iso(want));
    }
  });
});

function cmpJs(op: string, x: any, y: any): boolean {
  switch (op) {
    case '==': return x == y;
    case '===': return x === y;
    case '!=': return x != y;
    case '!==': return x !== y;
    case '<': return x < y;
    case '<=': return x <= y;
    case '>': return x > y;
    default: return x >= y;
  }
}

describe('the sample library', () => {
  it('is analysed without falling back, every date comparison of its watched rules in the plan', () => {
    expect(lib.horizon.fallback).toBe(false);
    expect(lib.horizon.cmps.length).toBeGreaterThan(5);
    expect(FIELDS.fields.length).toBeGreaterThan(0);
  });
});
