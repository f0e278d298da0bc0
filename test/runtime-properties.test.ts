/**
 * Properties of the engine over the sample library and random accounts, events and clocks.
 */
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { compileLibrary, evaluate, migrateInstances } from '../engine/runtime/index.js';
import type { AccountEvent, Instance } from '../engine/types.js';
import type { Playbook } from '../engine/schema/definitions.js';
import { loadSampleLibrary } from './golden/library.js';
import { Book, DAY, T0, acct, at, chain, event, libOf, playbook, taskNode } from './golden/harness.js';

// Compiling the library (ajv validation) and fuzzing take seconds on a loaded CI machine.
vi.setConfig({ testTimeout: 120_000 });

const sample = compileLibrary(loadSampleLibrary());
const RUNS = 40;

const accountArb = fc.record({
  tier: fc.constantFrom('tier-1', 'tier-2', 'tier-3'),
  segment: fc.constantFrom('high-touch', 'low-touch', 'tech-touch'),
  mrr: fc.integer({ min: 100, max: 20000 }),
  renewalDays: fc.integer({ min: -10, max: 400 }),
  licensesPurchased: fc.integer({ min: 0, max: 500 }),
  deployedPct: fc.integer({ min: 0, max: 100 }),
  dauTrendPct: fc.integer({ min: -60, max: 40 }),
  featuresUsed: fc.integer({ min: 0, max: 8 }),
  keyFeaturesGreen: fc.integer({ min: 0, max: 7 }),
  nps: fc.option(fc.integer({ min: 0, max: 10 })),
  csmDaysAgo: fc.option(fc.integer({ min: 0, max: 30 })),
  greenDaysAgo: fc.option(fc.integer({ min: 0, max: 60 })),
  csmSentiment: fc.integer({ min: 1, max: 5 }),
  adminSelfSufficient: fc.boolean(),
  deploymentDocumented: fc.boolean(),
}).map((r) => acct('acc-1', {
  name: 'Prop Co', tier: r.tier, segment: r.segment, mrr: r.mrr, renewalDate: at(r.renewalDays),
  licensesPurchased: r.licensesPurchased, licensesDeployed: Math.floor((r.licensesPurchased * r.deployedPct) / 100),
  dauTrendPct: r.dauTrendPct, featuresUsed: r.featuresUsed, keyFeaturesGreen: r.keyFeaturesGreen, csmSentiment: r.csmSentiment,
  adminSelfSufficient: r.adminSelfSufficient, deploymentDocumented: r.deploymentDocumented, supportResolutionTargetDays: 5,
  primaryContactName: 'Pat', primaryContactEmail: 'pat@prop.test',
  ...(r.nps === null ? {} : { nps: r.nps, npsRespondedAt: at(-40) }),
  ...(r.csmDaysAgo === null ? {} : { lastCsmUpdateAt: at(-r.csmDaysAgo) }),
  ...(r.greenDaysAgo === null ? {} : { usageGreenSince: at(-r.greenDaysAgo) }),
}));

const eventBodyArb = fc.oneof(
  fc.record({ type: fc.constant('nps.response'), data: fc.record({ score: fc.integer({ min: 0, max: 10 }) }) }),
  fc.record({ type: fc.constant('ticket.opened'), data: fc.record({ ticketId: fc.constantFrom('T1', 'T2', 'T3'), priority: fc.constantFrom('low', 'normal', 'high', 'urgent'), bug: fc.boolean() }) }),
  fc.record({ type: fc.constant('ticket.closed'), data: fc.record({ ticketId: fc.constantFrom('T1', 'T2', 'T3') }) }),
  fc.record({ type: fc.constant('usage.snapshot'), data: fc.record({ dauTrendPct: fc.integer({ min: -60, max: 40 }), keyFeaturesGreen: fc.integer({ min: 0, max: 7 }), featuresUsed: fc.integer({ min: 0, max: 8 }) }) }),
  fc.record({ type: fc.constant('csm.activity'), data: fc.record({ kind: fc.constantFrom('call', 'ebr', 'note') }) }),
  fc.record({ type: fc.constant('custom.thing'), data: fc.constant({}) }),
);
/** Events at increasing times (hours after T0) over about two months. */
const eventsArb = fc.array(fc.tuple(fc.integer({ min: 1, max: 72 }), eventBodyArb), { maxLength: 25 }).map((list) => {
  let hours = 0;
  return list.map(([gap, body], i): AccountEvent => {
    hours += gap;
    return event(`ev-${i}`, 'acc-1', body.type, new Date(Date.parse(T0) + hours * 3_600_000).toISOString(), body.data);
  });
});

/** Feeds events in order with a daily tick in between, as the worker would. */
function drive(book: Book, events: AccountEvent[], days: number, hook?: (book: Book) => void): void {
  let ei = 0;
  for (let d = 0; d <= days; d++) {
    const tick = at(d);
    while (ei < events.length && events[ei].occurredAt <= tick) {
      book.run(events[ei].occurredAt, { event: events[ei] });
      ei++;
      hook?.(book);
    }
    book.run(tick);
    hook?.(book);
  }
}

describe('engine properties', () => {
  it('is deterministic: the same input gives byte-identical results', () => {
    fc.assert(fc.property(accountArb, eventsArb, (account, events) => {
      const book = new Book(sample, account);
      let ei = 0;
      for (let d = 0; d <= 30; d++) {
        const ev = ei < events.length && events[ei].occurredAt <= at(d) ? events[ei++] : undefined;
        const now = ev ? ev.occurredAt : at(d);
        const input = book.input(now, { event: ev });
        const a = JSON.stringify(evaluate(sample, input));
        const b = JSON.stringify(evaluate(sample, structuredClone(input)));
        expect(a).toBe(b);
        book.apply(JSON.parse(a));
      }
    }), { numRuns: RUNS });
  });

  it('replaying any prefix of processed events creates no extra task', () => {
    fc.assert(fc.property(accountArb, eventsArb, fc.nat(), (account, events, k) => {
      const book = new Book(sample, account);
      drive(book, events, 60);
      const before = new Set(book.tasks.keys());
      const last = book.results[book.results.length - 1];
      const now = book.state!.lastEvaluatedAt!;
      void last;
      const prefix = events.slice(0, events.length === 0 ? 0 : k % (events.length + 1));
      for (const e of prefix) {
        const r = book.run(now, { event: e });
        expect(r.effects.filter((x) => x.kind === 'createTask')).toEqual([]);
      }
      expect(new Set(book.tasks.keys())).toEqual(before);
    }), { numRuns: RUNS });
  });

  it('never leaves two open tasks of one playbook and type from different runs (open-CTA dedupe)', () => {
    fc.assert(fc.property(accountArb, eventsArb, (account, events) => {
      const book = new Book(sample, account);
      drive(book, events, 60, (b) => {
        const owner = new Map<string, string | null>();
        for (const t of b.open()) {
          if (t.instanceId === null) continue;
          const k = `${t.playbookId}/${t.type}`;
          if (owner.has(k)) expect(owner.get(k)).toBe(t.instanceId);
          owner.set(k, t.instanceId);
        }
      });
    }), { numRuns: RUNS });
  });

  it('exit criteria with openTasks close leave none of the run\'s tasks open', () => {
    fc.assert(fc.property(accountArb, eventsArb, (account, events) => {
      const book = new Book(sample, account);
      drive(book, events, 60, (b) => {
        for (const inst of b.instances.values()) {
          if (inst.status !== 'exited') continue;
          const exit = sample.playbooks.get(inst.playbookId)!.versions.get(inst.version)!.def.exit!;
          if (exit.openTasks !== 'close') continue;
          for (const id of Object.values(inst.tasks)) expect(b.tasks.get(id)?.status).not.toBe('open');
        }
      });
    }), { numRuns: RUNS });
  });
});

describe('re-entry policies (property)', () => {
  const pb = (reentry: Playbook['reentry']) => playbook({
    id: 'flip', reentry, trigger: { type: 'condition', when: { '<': [{ var: 'nps' }, 7] } },
    nodes: [taskNode('t', 'Call'), { id: 'w', kind: 'wait', wait: { type: 'duration', duration: { days: 2 } } }, { id: 'end', kind: 'end' }], edges: chain('t', 'w', 'end'),
  });
  const policyArb = fc.oneof(
    fc.constant({ policy: 'once' as const }),
    fc.constant({ policy: 'after-exit' as const }),
    fc.integer({ min: 1, max: 10 }).map((days) => ({ policy: 'cooldown' as const, days })),
    fc.integer({ min: 1, max: 4 }).map((times) => ({ policy: 'max-times' as const, times })),
  );
  it('hold over any sequence of condition flips', () => {
    fc.assert(fc.property(policyArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), (reentry, flips) => {
      const book = new Book(libOf({ playbooks: [pb(reentry)] }), acct('a', {}));
      flips.forEach((low, d) => {
        book.account = { ...book.account, fields: { ...book.account.fields, nps: low ? 2 : 9 } };
        book.run(at(d));
        for (const t of book.open()) book.complete(t.id, at(d));
        const runs = [...book.instances.values()].sort((x, y) => (x.startedAt < y.startedAt ? -1 : 1));
        expect(runs.filter((r) => r.status === 'active').length).toBeLessThanOrEqual(1);
        if (reentry.policy === 'once') expect(runs.length).toBeLessThanOrEqual(1);
        if (reentry.policy === 'max-times') expect(runs.length).toBeLessThanOrEqual(reentry.times);
        for (let i = 1; i < runs.length; i++) {
          const prev = runs[i - 1];
          expect(prev.endedAt).not.toBeNull();
          expect(prev.endedAt! <= runs[i].startedAt).toBe(true);
          if (reentry.policy === 'cooldown') expect(Date.parse(runs[i].startedAt) - Date.parse(prev.endedAt!)).toBeGreaterThanOrEqual(reentry.days * DAY);
        }
        expect(book.state!.runs.flip?.count ?? 0).toBe(runs.length);
      });
    }), { numRuns: 100 });
  });
});

describe('timers and versions (property)', () => {
  const waiting = (title: string, days: number) => playbook({
    id: 'timer', reentry: { policy: 'after-exit' }, trigger: { type: 'event', eventType: 'custom.start' },
    nodes: [{ id: 'w', kind: 'wait', wait: { type: 'duration', duration: { days } } }, taskNode('after', title), { id: 'end', kind: 'end' }], edges: chain('w', 'after', 'end'),
  });

  it('a missed timer fires exactly once after any gap', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 400 }), fc.array(fc.integer({ min: 0, max: 48 }), { maxLength: 5 }), (days, gapDays, laterHours) => {
      const book = new Book(libOf({ playbooks: [waiting('After', days)] }), acct('a', {}));
      book.run(T0, { event: event('s', 'a', 'custom.start', T0) });
      const wake = at(days + gapDays);
      book.run(wake);
      let now = Date.parse(wake);
      for (const h of laterHours) {
        now += h * 3_600_000;
        book.run(new Date(now).toISOString());
      }
      expect([...book.tasks.values()].filter((t) => t.title === 'After')).toHaveLength(1);
    }), { numRuns: 100 });
  });

  it('runs keep the version they started on when a new version appears', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 }), fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 6 }), (publishDay, startDays) => {
      const v1 = { def: waiting('Version 1', 5), version: 1 };
      const v2 = { def: waiting('Version 2', 5), version: 2 };
      const lib1 = libOf({ playbooks: [v1] });
      const lib2 = libOf({ playbooks: [v1, v2] });
      const book = new Book(lib1, acct('a', {}));
      const starts = new Set(startDays);
      for (let d = 0; d <= 25; d++) {
        book.lib = d >= publishDay ? lib2 : lib1;
        book.run(at(d), starts.has(d) ? { event: event(`s${d}`, 'a', 'custom.start', at(d)) } : {});
      }
      for (const inst of book.instances.values()) {
        expect(inst.version).toBe(Date.parse(inst.startedAt) >= Date.parse(at(publishDay)) ? 2 : 1);
      }
      for (const t of book.tasks.values()) {
        const inst = book.instances.get(t.instanceId!)!;
        expect(t.title).toBe(`Version ${inst.version}`);
      }
    }), { numRuns: 60 });
  });

  it('migration maps every active run and accounts for every other one', () => {
    const nodeArb = fc.constantFrom('a', 'b', 'c', 'd');
    fc.assert(fc.property(
      fc.array(fc.record({ node: nodeArb, status: fc.constantFrom('active', 'completed', 'exited') as fc.Arbitrary<Instance['status']>, version: fc.integer({ min: 1, max: 3 }) }), { maxLength: 20 }),
      fc.dictionary(nodeArb, nodeArb),
      (specs, nodeMap) => {
        const instances: Instance[] = specs.map((s, i) => ({
          id: `i${i}`, playbookId: 'p', version: s.version, accountId: 'x', occurrence: `o${i}`, status: s.status, nodeId: s.node, wakeAt: null,
          waitStartedAt: null, startedAt: T0, endedAt: null, endReason: null, tasks: {}, path: [], incident: null,
        }));
        const target = { id: 'p', nodes: [{ id: 'a', kind: 'wait' as const, wait: { type: 'duration' as const, duration: { days: 1 } } }, { id: 'b', kind: 'wait' as const, wait: { type: 'duration' as const, duration: { days: 1 } } }, { id: 'c', kind: 'end' as const }] };
        const { migrated, problems } = migrateInstances(instances, 3, nodeMap, { target });
        const eligible = instances.filter((i) => i.status === 'active' && i.version < 3);
        expect(migrated.length + problems.length).toBe(eligible.length);
        for (const m of migrated) {
          const orig = instances.find((i) => i.id === m.id)!;
          expect(m.version).toBe(3);
          expect(m.nodeId).toBe(nodeMap[orig.nodeId!] ?? orig.nodeId);
          expect(['a', 'b']).toContain(m.nodeId);
        }
      },
    ), { numRuns: 100 });
  });
});
