import { describe, expect, it } from 'vitest';
import jsonLogic from 'json-logic-js';
import fc from 'fast-check';
import { COMPILE_MODES, buildConditionData, compileRule } from '../engine/conditions/index.js';
import { DATE_CACHE, PLAIN_DATA } from '../engine/conditions/data.js';
import { daysSince, daysUntil } from '../engine/conditions/dates.js';

const NOW = Date.parse('2026-11-22T09:00:00.000Z');
const NAMES = ['tier', 'renewalDate', 'lastCsmUpdateAt', 'mrr'];

describe.each(COMPILE_MODES)('condition data read by compiled rules (%s mode)', (mode) => {
  const until = compileRule({ days_until: { var: 'renewalDate' } }, { mode });
  const since = compileRule({ days_since: { var: 'renewalDate' } }, { mode });
  const soon = compileRule({ '<=': [{ days_until: { var: 'renewalDate' } }, 90] }, { mode });

  it('never answers from a stale parsed date when the value behind a path changes', () => {
    const data = buildConditionData({ fields: { renewalDate: '2027-01-01' }, tags: [], flags: {}, fieldNames: NAMES });
    expect(until(data, NOW)).toBe(39);
    expect(since(data, NOW)).toBe(-40);
    expect(soon(data, NOW)).toBe(true);
    // The same data object, a new value: every rule reading the path sees the new date.
    data.renewalDate = '2028-01-01';
    expect(until(data, NOW)).toBe(404);
    expect(soon(data, NOW)).toBe(false);
    data.renewalDate = `2027-01-0${1}`; // equal text in a different string
    expect(until(data, NOW)).toBe(39);
    data.renewalDate = 'not a date';
    expect(until(data, NOW)).toBeNull();
    data.renewalDate = Date.parse('2027-01-01T00:00:00Z');
    expect(until(data, NOW)).toBe(39);
    delete data.renewalDate;
    expect(until(data, NOW)).toBeNull();
  });

  it('counts days to the now it is given, also on data already read at another now', () => {
    const data = buildConditionData({ fields: { renewalDate: '2027-01-01T06:00:00.000Z', lastCsmUpdateAt: '2026-11-20T12:00:00.000Z' }, tags: [], flags: {}, fieldNames: NAMES });
    const recent = compileRule({ days_since: { var: 'lastCsmUpdateAt' } }, { mode });
    // Around midnight and the dates' time of day, forwards and back, then the first now again.
    const nows = [NOW, NOW + 86_400_000, NOW - 1, Date.parse('2027-01-01T05:59:59.999Z'), Date.parse('2027-01-01T06:00:00.000Z'), NOW + 0.5, NOW];
    for (const now of nows) {
      expect(until(data, now), String(now)).toBe(daysUntil(data.renewalDate, now));
      expect(since(data, now), String(now)).toBe(daysSince(data.renewalDate, now));
      expect(recent(data, now), String(now)).toBe(daysSince(data.lastCsmUpdateAt, now));
    }
    expect(until(data, NaN)).toBeNaN();
    expect(until(data, NOW)).toBe(39);
  });

  it('reads a date path compiled after the data was built, and an empty or non-string date', () => {
    // A path no rule has read yet in this process (one per mode).
    const path = `lateDate_${mode}`;
    const data = buildConditionData({ fields: { renewalDate: '', [path]: '2026-11-01' }, tags: [], flags: {}, fieldNames: NAMES });
    expect(until(data, NOW)).toBeNull();
    // Its cache slot is past the ones this data object was made with.
    const late = compileRule({ days_since: { var: path } }, { mode });
    expect(late(data, NOW)).toBe(21);
    const fresh = compileRule({ days_since: { var: ['tier', '2026-11-02'] } }, { mode });
    expect(fresh(data, NOW)).toBe(20);
    data.renewalDate = 1_798_761_600_000; // 2027-01-01 as epoch ms
    expect(until(data, NOW)).toBe(39);
    data.renewalDate = '';
    expect(until(data, NOW)).toBeNull();
    expect(since(data, NOW)).toBeNull();
  });

  it('matches the date reference over generated sequences of clock and value changes on one data object', () => {
    const paths = ['renewalDate', 'lastCsmUpdateAt'] as const;
    const rules = paths.flatMap((p) => [
      { p, since: true, run: compileRule({ days_since: { var: p } }, { mode }) },
      { p, since: false, run: compileRule({ days_until: { var: p } }, { mode }) },
    ]);
    const text = fc.oneof(
      fc.integer({ min: -500 * 24, max: 500 * 24 }).map((h) => new Date(NOW + h * 3_600_000 + 1234).toISOString()),
      fc.integer({ min: -500, max: 500 }).map((d) => new Date(NOW + d * 86_400_000).toISOString().slice(0, 10)),
      fc.constantFrom('', 'soon', '2027-02-30', '2026-11-22T09:30:00+05:30', null, 1_798_761_600_000, true),
    );
    const step = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), path: fc.constantFrom(...paths), value: text }),
      fc.record({ kind: fc.constant('now' as const), now: fc.oneof(fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }).map((d) => NOW + d), fc.constant(NOW)) }),
      fc.record({ kind: fc.constant('eval' as const), rule: fc.integer({ min: 0, max: rules.length - 1 }) }),
    );
    fc.assert(
      fc.property(fc.record({ renewalDate: text, lastCsmUpdateAt: text }, { requiredKeys: [] }), fc.array(step, { maxLength: 30 }), (fields, steps) => {
        const data = buildConditionData({ fields, tags: [], flags: {}, fieldNames: NAMES });
        let now = NOW;
        for (const s of steps) {
          if (s.kind === 'set') data[s.path] = s.value;
          else if (s.kind === 'now') now = s.now;
          const r = rules[s.kind === 'eval' ? s.rule : 0];
          const v = data[r.p] === undefined ? null : data[r.p];
          expect(r.run(data, now)).toBe(r.since ? daysSince(v, now) : daysUntil(v, now));
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('answers missing used as a condition like json-logic-js, reading every key', () => {
    const rules = [
      { if: [{ missing: ['tier', 'mrr'] }, 'incomplete', 'complete'] },
      { '!': { missing: ['tier', 'mrr'] } },
      { '!!': [{ missing: ['mrr'] }] },
      { if: [{ missing: ['tier'] }, 1, { missing: ['mrr', 'renewalDate'] }, 2, 3] },
      { '?:': [{ missing: [] }, 'some', 'none'] },
    ];
    for (const fields of [{}, { tier: 'a', mrr: 0 }, { tier: '', mrr: 5 }, { tier: null, mrr: false }, { tier: 'b', mrr: '' }, { tier: 0, mrr: [], renewalDate: '' }]) {
      for (const rule of rules) {
        const compiled = compileRule(rule, { mode });
        for (const data of [buildConditionData({ fields, tags: [], flags: {}, fieldNames: NAMES }), { ...fields }]) {
          expect(compiled(data, NOW), `${JSON.stringify(rule)} on ${JSON.stringify(fields)}`).toStrictEqual(jsonLogic.apply(rule as jsonLogic.RulesLogic, data));
        }
      }
    }
    // Every key is read even once one is known to be missing, as json-logic-js reads them all.
    const reads: string[] = [];
    const data = {};
    for (const key of ['tier', 'mrr', 'renewalDate']) Object.defineProperty(data, key, { enumerable: true, get: () => (reads.push(key), key === 'mrr' ? 1 : null) });
    expect(compileRule({ if: [{ missing: ['tier', 'mrr', 'renewalDate'] }, 'no', 'yes'] }, { mode })(data, NOW)).toBe('no');
    expect(reads).toEqual(['tier', 'mrr', 'renewalDate']);
  });

  it('keeps dates of different paths and different accounts apart', () => {
    const both = compileRule({ '-': [{ days_since: { var: 'lastCsmUpdateAt' } }, { days_since: { var: 'renewalDate' } }] }, { mode });
    const a = buildConditionData({ fields: { renewalDate: '2026-11-01', lastCsmUpdateAt: '2026-11-21' }, tags: [], flags: {}, fieldNames: NAMES });
    const b = buildConditionData({ fields: { renewalDate: '2026-10-01', lastCsmUpdateAt: '2026-11-20' }, tags: [], flags: {}, fieldNames: NAMES });
    for (let i = 0; i < 3; i++) {
      expect(both(a, NOW)).toBe(1 - 21);
      expect(both(b, NOW)).toBe(2 - 52);
    }
  });

  it('gives json-logic-js results for dates on data built with and without the dictionary and on plain objects', () => {
    jsonLogic.add_operation('days_since', (x: unknown) => daysSince(x, NOW));
    jsonLogic.add_operation('days_until', (x: unknown) => daysUntil(x, NOW));
    try {
      const rule = { or: [{ '>': [{ days_since: { var: 'lastCsmUpdateAt' } }, 7] }, { '<=': [{ days_until: { var: 'renewalDate' } }, 30] }] };
      const compiled = compileRule(rule, { mode });
      for (const f of [{}, { renewalDate: '2026-12-01' }, { lastCsmUpdateAt: '2026-11-01T10:00:00Z' }, { renewalDate: null, lastCsmUpdateAt: 'x' }, { renewalDate: '2027-06-01', lastCsmUpdateAt: '2026-11-20' }]) {
        for (const data of [buildConditionData({ fields: f, tags: [], flags: {} }), buildConditionData({ fields: f, tags: [], flags: {}, fieldNames: NAMES }), { ...f }]) {
          expect(compiled(data, NOW), JSON.stringify(f)).toBe(jsonLogic.apply(rule as jsonLogic.RulesLogic, data));
        }
      }
    } finally {
      jsonLogic.rm_operation('days_since');
      jsonLogic.rm_operation('days_until');
    }
  });
});

describe.each(COMPILE_MODES)('nested reads on condition data (%s mode)', (mode) => {
  class Scorecard { get color() { return 'inherited'; } }

  it('reads only own members of nested objects, also when the engine swaps one for another', () => {
    const color = compileRule({ var: ['health.color', 'none'] }, { mode });
    const stage = compileRule({ var: ['journey.lifecycle.stage', 'none'] }, { mode });
    const data = buildConditionData({ fields: {}, tags: [], flags: {}, fieldNames: NAMES, health: { color: 'red' } as never, journey: { lifecycle: { stage: 'adoption', daysInStage: 1 } } });
    expect(color(data, 0)).toBe('red');
    expect(stage(data, 0)).toBe('adoption');
    // As the engine's setHealth does: the same data object, another health object.
    data.health = new Scorecard();
    expect(color(data, 0)).toBe('none');
    data.health = Object.assign(Object.create(null), { color: 'green' });
    expect(color(data, 0)).toBe('green');
    data.health = { color: 'yellow' };
    expect(color(data, 0)).toBe('yellow');
    data.health = new Scorecard();
    expect(color(data, 0)).toBe('none');
    (data.journey as Record<string, unknown>).lifecycle = Object.create({ stage: 'inherited' });
    expect(stage(data, 0)).toBe('none');
    (data.journey as Record<string, unknown>).lifecycle = 'text';
    expect(compileRule({ var: 'journey.lifecycle.length' }, { mode })(data, 0)).toBe(4);
    expect(stage(data, 0)).toBe('none');
  });

  it('never reads a prototype: no inherited getter runs, and a polluted Object.prototype is not read', () => {
    const color = compileRule({ var: ['health.color', 'none'] }, { mode });
    const tier = compileRule({ var: ['tier', 'none'] }, { mode });
    const extra = compileRule({ var: ['notInTheDictionary', 'none'] }, { mode });
    const data = buildConditionData({ fields: { tier: 't1' }, tags: [], flags: {}, fieldNames: NAMES, health: { color: 'red' } as never });
    const plain: Record<string, unknown> = { tier: 't1', health: { color: 'red' } };
    for (let i = 0; i < 3; i++) {
      for (const d of [data, plain]) {
        expect(color(d, 0)).toBe('red');
        expect(tier(d, 0)).toBe('t1');
        expect(extra(d, 0)).toBe('none');
      }
    }
    let getterRuns = 0;
    class Watched { get color() { getterRuns++; return 'inherited'; } }
    const proto = Object.prototype as Record<string, unknown>;
    try {
      proto.color = 'polluted';
      proto.notInTheDictionary = 'polluted';
      for (const d of [data, plain]) {
        d.health = {};
        expect(color(d, 0)).toBe('none');
        d.health = { color: 'green' };
        expect(color(d, 0)).toBe('green');
        expect(extra(d, 0)).toBe('none');
        expect(tier(d, 0)).toBe('t1');
        d.health = new Watched();
        expect(color(d, 0)).toBe('none');
      }
    } finally {
      delete proto.color;
      delete proto.notInTheDictionary;
    }
    expect(getterRuns).toBe(0);
    // Primitives, arrays and objects without a prototype on the way.
    for (const d of [data, plain]) {
      for (const [health, want] of [[5, 'none'], ['text', 'none'], [true, 'none'], [['red'], 'none'], [Object.assign(Object.create(null), { color: 'blue' }), 'blue'], [new Proxy({ color: 'x' }, {}), 'x']] as const) {
        d.health = health;
        expect(color(d, 0), typeof health).toBe(want);
      }
      d.health = 'text';
      expect(compileRule({ var: 'health.length' }, { mode })(d, 0)).toBe(4);
      d.health = ['a', 'b'];
      expect(compileRule({ var: 'health.1' }, { mode })(d, 0)).toBe('b');
    }
  });

  it('keeps nested objects of different accounts apart', () => {
    const score = compileRule({ var: 'event.data.score' }, { mode });
    const event = (data: unknown) => ({ id: 'e', accountId: 'a', type: 'nps.response', occurredAt: '2026-11-22T00:00:00Z', data }) as never;
    const a = buildConditionData({ fields: {}, tags: [], flags: {}, fieldNames: NAMES, event: event({ score: 3 }) });
    const b = buildConditionData({ fields: {}, tags: [], flags: {}, fieldNames: NAMES, event: event(Object.create({ score: 9 })) });
    for (let i = 0; i < 3; i++) {
      expect(score(a, 0)).toBe(3);
      expect(score(b, 0)).toBeNull();
    }
  });
});

describe('buildConditionData copying fields', () => {
  it('copies an own "__proto__" key as plain data, never as the prototype', () => {
    const fields = JSON.parse('{"__proto__": {"tier": "inherited", "polluted": true}, "mrr": 5}');
    for (const fieldNames of [undefined, NAMES]) {
      const data = buildConditionData({ fields, tags: [], flags: {}, fieldNames });
      expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
      expect(compileRule({ var: ['tier', 'none'] })(data, 0)).toBe('none');
      expect(compileRule({ var: ['polluted', 'none'] })(data, 0)).toBe('none');
      expect(compileRule({ var: 'mrr' })(data, 0)).toBe(5);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });

  it('ignores symbol keys a source carries, including ours', () => {
    const forged = { slots: ['2027-01-01', 0, '2027-01-01', 0], byText: new Map([['2027-01-01', 0]]) };
    const fields = { tier: 'tier-1', renewalDate: '2027-01-01', [PLAIN_DATA]: false, [DATE_CACHE]: forged } as Record<string | symbol, unknown>;
    const data = buildConditionData({ fields: fields as Record<string, unknown>, tags: [], flags: {}, fieldNames: NAMES }) as Record<string | symbol, unknown>;
    expect(data[PLAIN_DATA]).toBe(true);
    expect(data[DATE_CACHE]).not.toBe(forged);
    expect(compileRule({ var: 'tier' })(data as Record<string, unknown>, 0)).toBe('tier-1');
    expect(compileRule({ days_until: { var: 'renewalDate' } })(data as Record<string, unknown>, NOW)).toBe(39);
  });

  it('reads only own fields from a source with a prototype, and no event unless one is given', () => {
    const source = Object.assign(Object.create({ tier: 'inherited' }), { mrr: 3, event: 'field' });
    for (const fieldNames of [undefined, NAMES]) {
      const data = buildConditionData({ fields: source, tags: [], flags: {}, fieldNames });
      expect(compileRule({ var: ['tier', 'none'] })(data, 0)).toBe('none');
      expect(compileRule({ var: 'mrr' })(data, 0)).toBe(3);
      expect(compileRule({ var: ['event', 'none'] })(data, 0)).toBe('none');
      expect(JSON.parse(JSON.stringify(data))).toEqual({ tags: [], flags: {}, health: null, journey: {}, mrr: 3 });
    }
  });

  it('gives every account built with one dictionary the same keys in the same order', () => {
    const a = buildConditionData({ fields: { mrr: 1, tier: 'tier-1', extra: true }, tags: [], flags: {}, fieldNames: NAMES });
    const b = buildConditionData({ fields: { renewalDate: '2027-01-01' }, tags: ['x'], flags: {}, fieldNames: NAMES });
    expect(Object.keys(a)).toEqual(['tags', 'flags', 'health', 'journey', 'event', ...NAMES, 'extra']);
    expect(Object.keys(b)).toEqual(['tags', 'flags', 'health', 'journey', 'event', ...NAMES]);
  });
});
