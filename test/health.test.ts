import { describe, expect, it, vi } from 'vitest';
import { computeHealth, computeHealthCoverage } from '../engine/runtime/index.js';
import { measureColor, scoreHealth } from '../engine/health/compute.js';
import { buildConditionData } from '../engine/runtime/deps.js';
import type { Health } from '../engine/types.js';
import type { Scorecard } from '../engine/schema/definitions.js';
import { Book, T0, acct, at, libOf } from './golden/harness.js';

// Compiling the library (ajv validation) and fuzzing take seconds on a loaded CI machine.
vi.setConfig({ testTimeout: 120_000 });

const card: Scorecard = {
  kind: 'scorecard', id: 'health', name: 'Health',
  bands: { green: 70, yellow: 40 },
  measures: [
    { id: 'usage', name: 'Usage trend', value: { var: 'dauTrendPct' }, direction: 'higher-is-better', thresholds: { green: 0, yellow: -20 }, weight: 2 },
    { id: 'tickets', name: 'Open tickets', value: { var: 'openTickets' }, direction: 'lower-is-better', thresholds: { green: 2, yellow: 5 }, weight: 1 },
    { id: 'nps', name: 'NPS', value: { var: 'nps' }, direction: 'higher-is-better', thresholds: { green: 9, yellow: 7 }, weight: 1 },
  ],
  tiers: { 'tier-1': { bands: { green: 80, yellow: 50 }, measures: { tickets: { thresholds: { green: 0, yellow: 2 } } } } },
};

describe('health', () => {
  it('colours measures by direction and thresholds', () => {
    expect(measureColor(5, 'higher-is-better', { green: 0, yellow: -20 })).toBe('green');
    expect(measureColor(-20, 'higher-is-better', { green: 0, yellow: -20 })).toBe('yellow');
    expect(measureColor(-21, 'higher-is-better', { green: 0, yellow: -20 })).toBe('red');
    expect(measureColor(2, 'lower-is-better', { green: 2, yellow: 5 })).toBe('green');
    expect(measureColor(5, 'lower-is-better', { green: 2, yellow: 5 })).toBe('yellow');
    expect(measureColor(6, 'lower-is-better', { green: 2, yellow: 5 })).toBe('red');
  });

  it('scores the weighted mean over measures with a value, coloured by bands', () => {
    const lib = libOf({ scorecards: [card] });
    // usage green (2 x 100), tickets yellow (1 x 50), nps missing: (200 + 50) / 3 = 83
    const h = computeHealth(lib, acct('a', { dauTrendPct: 3, openTickets: 4 }), T0)!;
    expect(h.score).toBe(83);
    expect(h.color).toBe('green');
    expect(h.measures.nps).toEqual({ name: 'NPS', value: null, color: null, weight: 1 });
    expect(h.measures.tickets.color).toBe('yellow');
  });

  it('applies per-tier thresholds and bands', () => {
    const lib = libOf({ scorecards: [card] });
    // tier-1: tickets 4 is red (> 2); (200 + 0) / 3 = 67 -> yellow under the tier's bands (green 80)
    const h = computeHealth(lib, acct('a', { tier: 'tier-1', dauTrendPct: 3, openTickets: 4 }), T0)!;
    expect(h.measures.tickets.color).toBe('red');
    expect(h.score).toBe(67);
    expect(h.color).toBe('yellow');
  });

  it('uses the base thresholds for a tier without an override, even one named like an object member', () => {
    const lib = libOf({ scorecards: [card] });
    for (const tier of ['tier-2', 'constructor', 'toString', '__proto__']) {
      const h = computeHealth(lib, acct('a', { tier, dauTrendPct: 3, openTickets: 4 }), T0)!;
      expect(h.measures.tickets.color).toBe('yellow');
      expect(h.score).toBe(83);
    }
  });

  it('is null when nothing is measured', () => {
    expect(computeHealth(libOf({ scorecards: [card] }), acct('a', {}), T0)).toBeNull();
    expect(computeHealth(libOf({}), acct('a', { nps: 3 }), T0)).toBeNull();
  });

  it('emits healthChanged only when the score or colour changes', () => {
    const book = new Book(libOf({ scorecards: [card] }), acct('a', { dauTrendPct: 3, nps: 9 }));
    const r1 = book.run(T0);
    expect(r1.effects.filter((e) => e.kind === 'healthChanged')).toEqual([expect.objectContaining({ previous: null, health: expect.objectContaining({ score: 100, color: 'green' }) })]);
    expect(book.run(at(1)).effects.some((e) => e.kind === 'healthChanged')).toBe(false);
    book.account = { ...book.account, fields: { ...book.account.fields, dauTrendPct: -30 } };
    const r3 = book.run(at(2));
    const change = r3.effects.find((e) => e.kind === 'healthChanged') as { health: { score: number; color: string }; previous: { score: number } };
    expect(change.health).toMatchObject({ score: 33, color: 'red' });
    expect(change.previous.score).toBe(100);
    expect(r3.effects.some((e) => e.kind === 'timeline' && e.entry.kind === 'health' && /from green \(100\) to red \(33\)/.test(e.entry.text))).toBe(true);
  });

  it('returns the previous health itself only when score, colour and every measure are the same', () => {
    const lib = libOf({ scorecards: [card] });
    const sc = lib.scorecard!;
    const score = (fields: Record<string, unknown>, previous: Health | null) => {
      const a = acct('a', fields);
      const data = buildConditionData({ fields: a.fields, tags: a.tags, flags: a.flags, fieldNames: lib.fieldNames });
      return scoreHealth(sc, data, data.tier, Date.parse(T0), T0, previous);
    };
    const first = score({ dauTrendPct: 3, openTickets: 4, nps: 9 }, null)!;
    expect(score({ dauTrendPct: 3, openTickets: 4, nps: 9 }, first)).toBe(first);
    // the same as stored and read back (a store's JSON round trip keeps the key order)
    const stored = JSON.parse(JSON.stringify(first)) as Health;
    expect(score({ dauTrendPct: 3, openTickets: 4, nps: 9 }, stored)).toBe(stored);
    // same score and colour, another measure value: a new health with that value
    const moved = score({ dauTrendPct: 5, openTickets: 4, nps: 9 }, first)!;
    expect(moved).not.toBe(first);
    expect(moved).toMatchObject({ score: first.score, color: first.color });
    expect(moved.measures.usage.value).toBe(5);
    // a weight, a name or a colour that differs, a missing or an extra measure: not the same
    for (const edit of [
      (h: Health) => { h.measures.tickets.weight = 3; },
      (h: Health) => { h.measures.nps.name = 'Net promoter score'; },
      (h: Health) => { h.measures.usage.color = 'yellow'; },
      (h: Health) => { delete h.measures.nps; },
      (h: Health) => { h.measures.extra = { name: 'Extra', value: 1, color: 'green', weight: 1 }; },
    ]) {
      const prev = JSON.parse(JSON.stringify(first)) as Health;
      edit(prev);
      const h = score({ dauTrendPct: 3, openTickets: 4, nps: 9 }, prev)!;
      expect(h).not.toBe(prev);
      expect(h).toEqual({ ...first, measures: first.measures });
    }
  });

  it('a stored health with its measures in another order is not a change', () => {
    const lib = libOf({ scorecards: [card] });
    const book = new Book(lib, acct('a', { dauTrendPct: 3, openTickets: 4, nps: 9 }));
    book.run(T0);
    const h = book.state!.health!;
    const reordered: Health = { ...h, measures: { nps: h.measures.nps, tickets: h.measures.tickets, usage: h.measures.usage } };
    book.state = { ...book.state!, health: reordered };
    const before = book.state;
    const r = book.run(at(1));
    expect(r.state).toBe(before);
    expect(r.effects.some((e) => e.kind === 'healthChanged')).toBe(false);
  });

  it('feeds health into conditions', () => {
    const lib = libOf({
      scorecards: [card],
      playbooks: [{ kind: 'playbook', id: 'red', name: 'Red', reentry: { policy: 'once' }, trigger: { type: 'condition', when: { '==': [{ var: 'health.color' }, 'red'] } }, nodes: [{ id: 'end', kind: 'end' }], edges: [{ id: 'e', from: 'trigger', to: 'end' }] }],
    });
    const r = new Book(lib, acct('a', { dauTrendPct: -50, nps: 2 })).run(T0);
    expect(r.instances[0].path[0].values).toEqual({ 'health.color': 'red' });
  });
});

describe('health coverage (why an account is not scored)', () => {
  const coverageCard: Scorecard = {
    kind: 'scorecard', id: 'health', name: 'Health', bands: { green: 70, yellow: 40 },
    measures: [
      { id: 'usage', name: 'Usage depth', value: { var: 'dauTrendPct' }, direction: 'higher-is-better', thresholds: { green: 5, yellow: 2 }, weight: 25 },
      { id: 'nps', name: 'NPS', value: { var: 'nps' }, direction: 'higher-is-better', thresholds: { green: 9, yellow: 7 }, weight: 15 },
      // deploymentPct is derived from both licence counts (playbooks/fields.json)
      { id: 'deployment', name: 'Deployment', value: { var: 'deploymentPct' }, direction: 'higher-is-better', thresholds: { green: 80, yellow: 50 }, weight: 60 },
    ],
    tiers: { 'tier-1': { measures: { deployment: { weight: 0 } } } },
  };

  it('names the measures without a value, derived fields worked out, with the weights the account\'s tier gives them', () => {
    const lib = libOf({ scorecards: [coverageCard] });
    const thin = acct('a', { dauTrendPct: 4, licensesDeployed: 10 });
    expect(computeHealth(lib, thin, T0)).toBeNull();
    expect(computeHealthCoverage(lib, thin, T0)).toEqual({
      missing: [{ id: 'nps', name: 'NPS', weight: 15 }, { id: 'deployment', name: 'Deployment', weight: 60 }],
      covered: 0.25, minCoverage: 0.5,
    });
    // With both licence counts the derived measure has a value; a tier-1 account does not weigh it at all.
    expect(computeHealthCoverage(lib, acct('b', { dauTrendPct: 4, licensesDeployed: 10, licensesPurchased: 20 }), T0)!.missing.map((m) => m.id)).toEqual(['nps']);
    expect(computeHealthCoverage(lib, acct('c', { tier: 'tier-1', dauTrendPct: 4 }), T0)).toEqual({ missing: [{ id: 'nps', name: 'NPS', weight: 15 }], covered: 25 / 40, minCoverage: 0.5 });
    expect(computeHealthCoverage(libOf({}), thin, T0)).toBeNull();
  });
});
