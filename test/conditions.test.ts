import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import {
  ALLOWED_OPERATORS, COMPILE_MODES, RuleError, analyzeRule, buildConditionData, compileRule, describeRule, truthy,
  type VarScope,
} from '../engine/conditions/index.js';
import { generateSource } from '../engine/conditions/codegen.js';
import { parseRule } from '../engine/conditions/parse.js';
import type { FieldDef } from '../engine/schema/definitions.js';
import jsonLogic from 'json-logic-js';
import { daysSince, daysUntil } from '../engine/conditions/dates.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
const fields: FieldDef[] = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/conditions/fields.json'), 'utf8'));
const scope: VarScope = { fields, journeys: ['lifecycle'], measures: ['usage', 'nps'] };

/** Decodes the fixture notation for values JSON cannot hold. */
function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if ('$undefined' in o) return undefined;
    if ('$number' in o) return o.$number === '-0' ? -0 : Number(o.$number);
  }
  return v;
}

type Case = [unknown, unknown, unknown];
const own = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/conditions/cases.json'), 'utf8')) as { now: string; cases: (Case | string)[] };
const ownCases = own.cases.filter((c): c is Case => Array.isArray(c));
const ownNow = Date.parse(own.now);

const conformancePath = path.resolve(repoRoot, '../shared/conformance/jsonlogic-tests.json');
const conformance = (JSON.parse(fs.readFileSync(conformancePath, 'utf8')) as (Case | string)[]).filter((c): c is Case => Array.isArray(c));

function operators(rule: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(rule)) rule.forEach((r) => operators(r, out));
  else if (rule && typeof rule === 'object') {
    const keys = Object.keys(rule);
    if (keys.length === 1) out.add(keys[0]);
    for (const v of Object.values(rule)) operators(v, out);
  }
  return out;
}

describe('our fixtures', () => {
  it('agree with json-logic-js itself, except where json-logic-js reads inherited properties', () => {
    // json-logic-js returns functions for these (Object.prototype.toString...); we read own properties only.
    const inherited = new Set(['{"var":"toString"}', '{"var":"tags.map"}', '{"var":["hasOwnProperty","none"]}', '{"missing":["toString"]}']);
    jsonLogic.add_operation('days_since', (v: unknown) => daysSince(v, ownNow));
    jsonLogic.add_operation('days_until', (v: unknown) => daysUntil(v, ownNow));
    try {
      const failures: string[] = [];
      for (const [rule, data, expected] of ownCases) {
        if (inherited.has(JSON.stringify(rule))) continue;
        const got = jsonLogic.apply(rule as any, data);
        if (!isDeepStrictEqual(got, decode(expected))) failures.push(`${JSON.stringify(rule)}: json-logic-js gives ${String(got)}`);
      }
      expect(failures).toEqual([]);
    } finally {
      jsonLogic.rm_operation('days_since');
      jsonLogic.rm_operation('days_until');
    }
  });
});

describe('ALLOWED_OPERATORS', () => {
  it('is every json-logic-js operator except log, plus days_since and days_until', () => {
    expect([...ALLOWED_OPERATORS].sort()).toEqual([
      '!', '!!', '!=', '!==', '%', '*', '+', '-', '/', '<', '<=', '==', '===', '>', '>=', '?:',
      'all', 'and', 'cat', 'days_since', 'days_until', 'filter', 'if', 'in', 'map', 'max', 'merge', 'min',
      'missing', 'missing_some', 'none', 'or', 'reduce', 'some', 'substr', 'var',
    ].sort());
    expect(ALLOWED_OPERATORS).not.toContain('log');
  });
});

describe.each(COMPILE_MODES)('compileRule in %s mode', (mode) => {
  it('matches every case of the shared json-logic conformance suite whose operators are allowed', () => {
    let ran = 0;
    const rejected: string[] = [];
    const failures: string[] = [];
    for (const [rule, data, expected] of conformance) {
      if (![...operators(rule)].every((op) => ALLOWED_OPERATORS.includes(op) || !/^[a-z_!=<>+*\/%?:-]+$/i.test(op))) continue;
      let fn;
      try {
        fn = compileRule(rule, { mode });
      } catch (e) {
        expect(e).toBeInstanceOf(RuleError);
        rejected.push(`${JSON.stringify(rule)}: ${(e as Error).message}`);
        continue;
      }
      ran++;
      const got = fn(data as Record<string, unknown>, 0);
      if (!isDeepStrictEqual(got, expected)) failures.push(`${JSON.stringify(rule)} on ${JSON.stringify(data)}: got ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`);
    }
    expect(failures).toEqual([]);
    // The only rejection is by design: a var path computed by a rule (we accept literal paths only).
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatch(/var path must be a literal/);
    expect(ran).toBeGreaterThanOrEqual(Math.floor(conformance.length * 0.95));
  });

  it('matches our own fixtures (json-logic-js quirks, own properties, the clock operators)', () => {
    expect(ownCases.length).toBeGreaterThan(100);
    const failures: string[] = [];
    for (const [rule, data, expected] of ownCases) {
      for (const input of [data, buildConditionData({ fields: data as Record<string, unknown>, tags: (data as any).tags ?? [], flags: (data as any).flags ?? {}, health: (data as any).health })]) {
        const got = compileRule(rule, { mode })(input as Record<string, unknown>, ownNow);
        if (!isDeepStrictEqual(got, decode(expected))) failures.push(`${JSON.stringify(rule)} on ${JSON.stringify(data)}: got ${String(got)} ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('returns a fresh array each time, like json-logic-js', () => {
    const fn = compileRule({ merge: [[1], { var: 'x' }] }, { mode });
    const a = fn({ x: 2 }, 0) as unknown[];
    a.push(99);
    expect(fn({ x: 2 }, 0)).toEqual([1, 2]);
  });

  it('compares and equates every kind of value against literals and values as json-logic-js does', () => {
    // The generated code splits these by type (numbers inline, null folded at compile time); the
    // results must not change for any value on either side.
    const values: unknown[] = [null, undefined, -1, 0, -0, 2, 2.5, NaN, '3', '', 'abc', true, false, [], [2], ['a', 'b'], { a: 1 }];
    const literals: unknown[] = [-1, 0, 2, 0.5, '2', 'abc', '', true, false, null];
    const ops = ['<', '<=', '>', '>=', '==', '!='];
    let compared = 0;
    for (const op of ops) {
      for (const x of values) {
        const data = x === undefined ? {} : { x, y: x };
        const built = buildConditionData({ fields: data as Record<string, unknown>, tags: [], flags: {}, fieldNames: ['x', 'y'] });
        const rules = [
          ...literals.flatMap((l) => [{ [op]: [{ var: 'x' }, l] }, { [op]: [l, { var: 'x' }] }]),
          { [op]: [{ var: 'x' }, { var: 'y' }] },
          ...values.filter((v) => v !== undefined && typeof v !== 'object').map((v) => ({ [op]: [{ var: 'x' }, { var: ['nope', v] }] })),
        ];
        for (const rule of rules) {
          const compiled = compileRule(rule, { mode });
          for (const d of [built, data]) {
            expect(compiled(d, 0), `${JSON.stringify(rule)} on ${String(x)}`).toBe(jsonLogic.apply(rule as jsonLogic.RulesLogic, d));
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('never reads inherited properties, even through a data object with a prototype', () => {
    class Widget { get secret() { return 'inherited'; } }
    const fn = compileRule({ var: 'w.secret' }, { mode });
    expect(fn({ w: new Widget() }, 0)).toBeNull();
    expect(compileRule({ var: ['x.toString', 'safe'] }, { mode })({ x: {} }, 0)).toBe('safe');
    // Built condition data holding a class instance is read with own-property checks too.
    const built = buildConditionData({ fields: { w: new Widget(), n: 1 }, tags: [], flags: {} });
    expect(compileRule({ var: 'w.secret' }, { mode })(built, 0)).toBeNull();
    expect(compileRule({ var: 'n' }, { mode })(built, 0)).toBe(1);
    const plain = buildConditionData({ fields: { w: { secret: 's' }, d: '2027-01-01' }, tags: [], flags: {} });
    expect(compileRule({ and: [{ var: 'w.secret' }, { var: 'w.toString' }] }, { mode })(plain, 0)).toBeNull();
    expect(compileRule({ var: ['d.getTime', 'none'] }, { mode })(plain, 0)).toBe('none');
  });

  it('rejects log, constructor, __proto__, prototype, computed paths and deep nesting', () => {
    const bad: [unknown, RegExp][] = [
      [{ log: 'x' }, /operator "log" is not allowed/],
      [{ and: [true, { log: 1 }] }, /operator "log" is not allowed/],
      [{ var: 'constructor' }, /constructor/],
      [{ var: 'tags.constructor.constructor' }, /constructor/],
      [{ var: '__proto__.polluted' }, /__proto__/],
      [{ var: 'a.prototype' }, /prototype/],
      [{ missing: ['constructor'] }, /constructor/],
      [{ var: { cat: ['constr', 'uctor'] } }, /literal/],
      [{ 'Math.max': [1, 2] }, /not allowed/],
      [{ method: ['abc', 'toUpperCase'] }, /not allowed/],
    ];
    for (const [rule, message] of bad) {
      expect(() => compileRule(rule, { mode }), JSON.stringify(rule)).toThrow(message);
    }
  });

  it('rejects a rule nested 10,000 levels deep without overflowing the stack', () => {
    let rule: unknown = true;
    for (let i = 0; i < 10_000; i++) rule = { '!': [rule] };
    expect(() => compileRule(rule, { mode })).toThrow(/rule nested too deep/);
    let arrays: unknown = 1;
    for (let i = 0; i < 10_000; i++) arrays = [arrays];
    expect(() => compileRule(arrays, { mode })).toThrow(/rule nested too deep/);
    let ok: unknown = true;
    for (let i = 0; i < 60; i++) ok = { '!': [ok] };
    expect(compileRule(ok, { mode })({}, 0)).toBe(true);
  });

  it('rejects unknown fields when compiled against a scope', () => {
    expect(() => compileRule({ '==': [{ var: 'tierr' }, 'tier-1'] }, { mode, scope })).toThrow(/unknown field tierr - did you mean tier\?/);
    expect(compileRule({ '==': [{ var: 'tier' }, 'tier-1'] }, { mode, scope })({ tier: 'tier-1' }, 0)).toBe(true);
  });
});

describe('generated code', () => {
  it('carries rule text only as JSON string literals', () => {
    const nasty = 'x"); globalThis["pwned"] = 1; ("\\';
    const rule = { and: [{ '==': [{ var: nasty }, nasty] }, { in: [{ var: 'a.b' }, [nasty, '\u2028', '</script>']] }] };
    const fn = compileRule(rule, { mode: 'codegen' });
    expect(fn({ [nasty]: nasty, a: { b: '\u2028' } }, 0)).toBe(true);
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
    const { source } = generateSource(parseRule(rule).node);
    expect(source).toContain(JSON.stringify(nasty));
  });

  it('holds non-finite numbers and negative zero given by JavaScript callers', () => {
    for (const mode of COMPILE_MODES) {
      expect(compileRule({ '/': [1, -0] }, { mode })({}, 0)).toBe(-Infinity);
      expect(compileRule({ '+': [Infinity, 1] }, { mode })({}, 0)).toBe(Infinity);
    }
  });
});

describe('analyzeRule', () => {
  it('accepts a realistic rule and lists what it reads', () => {
    const rule = {
      and: [
        { '<=': [0, { days_until: { var: 'renewalDate' } }, 90] },
        { in: [{ var: 'tier' }, ['tier-1', 'tier-2']] },
        { '!': { var: 'flags.renewalOptOut' } },
        { '>=': [{ var: 'health.score' }, 40] },
        { '==': [{ var: 'journey.lifecycle.stage' }, 'renewal'] },
        { '<': [{ var: 'health.measures.usage.value' }, 50] },
        { in: ['vip', { var: 'tags' }] },
        { missing: ['primaryContactEmail'] },
      ],
    };
    const result = analyzeRule(rule, scope);
    expect(result.errors).toEqual([]);
    expect(result.vars).toEqual(['renewalDate', 'tier', 'flags.renewalOptOut', 'health.score', 'journey.lifecycle.stage', 'health.measures.usage.value', 'tags', 'primaryContactEmail']);
  });

  it('reports an unknown field with its JSON pointer and a did-you-mean', () => {
    const result = analyzeRule({ and: [{ '==': [{ var: 'tier' }, 'tier-1'] }, { '<=': [{ days_until: { var: 'renwalDate' } }, 90] }] }, scope);
    expect(result.errors).toEqual([{ path: '/and/1/<=/0/days_until/var', message: 'unknown field renwalDate - did you mean renewalDate?' }]);
  });

  it('reports disallowed operators, unsafe paths and deep nesting with their paths', () => {
    expect(analyzeRule({ or: [true, { log: 'hi' }] }, scope).errors).toEqual([{ path: '/or/1', message: 'operator "log" is not allowed' }]);
    expect(analyzeRule({ var: 'constructor' }, scope).errors[0].message).toMatch(/constructor/);
    expect(analyzeRule({ '==': [{ var: '__proto__.x' }, 1] }, scope).errors[0]).toMatchObject({ path: '/==/0/var' });
    expect(analyzeRule({ var: [{ var: 'tier' }] }, scope).errors[0]).toMatchObject({ path: '/var/0', message: expect.stringMatching(/literal/) });
    let deep: unknown = true;
    for (let i = 0; i < 10_000; i++) deep = { and: [deep] };
    const errors = analyzeRule(deep, scope).errors;
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/rule nested too deep/);
  });

  it('knows the roots of condition data', () => {
    const errorsOf = (rule: unknown, s: VarScope = scope) => analyzeRule(rule, s).errors.map((e) => e.message);
    expect(errorsOf({ var: 'event.data.score' })).toEqual(['event.data.score can only be read in event triggers and event waits']);
    expect(errorsOf({ var: 'event.data.score' }, { ...scope, allowEvent: true })).toEqual([]);
    expect(errorsOf({ var: 'event.type' }, { ...scope, allowEvent: true })).toEqual([]);
    expect(errorsOf({ var: 'journey.lifecycl.stage' })[0]).toBe('unknown journey lifecycl - did you mean lifecycle?');
    expect(errorsOf({ var: 'health.measures.usage.value' }, { fields })).toEqual([]);
    expect(errorsOf({ var: 'health.measures.usag.value' })[0]).toBe('unknown health measure usag - did you mean usage?');
    expect(errorsOf({ var: 'health.grade' })[0]).toMatch(/unknown health value/);
    expect(errorsOf({ var: 'flags' })[0]).toMatch(/flags\.<name>/);
    expect(errorsOf({ var: 'products.0' })).toEqual([]);
    expect(errorsOf({ var: 'tier.0' })[0]).toMatch(/field tier has no part "0"/);
    expect(errorsOf({ var: '' })[0]).toMatch(/needs a path/);
    expect(errorsOf({ var: 'TIER' })[0]).toBe('unknown field TIER - did you mean tier?');
    expect(errorsOf({ var: 'zzzzzz' })[0]).toBe('unknown field zzzzzz');
  });

  it('does not flag the item inside map/filter/all/some/none, nor current/accumulator in reduce', () => {
    const rule = {
      and: [
        { some: [{ var: 'products' }, { '==': [{ var: '' }, 'analytics'] }] },
        { all: [{ var: 'products' }, { '!=': [{ var: 'name' }, 'legacy'] }] },
        { '>': [{ reduce: [{ var: 'products' }, { '+': [{ var: 'accumulator' }, { var: 'current.seats' }] }, 0] }, 10] },
      ],
    };
    const result = analyzeRule(rule, scope);
    expect(result.errors).toEqual([]);
    expect(result.vars).toEqual(['products']);
    expect(analyzeRule({ reduce: [{ var: 'products' }, { var: 'seats' }, 0] }, scope).errors[0].message).toMatch(/only "current" and "accumulator"/);
  });

  it('flags an object that is not a rule', () => {
    expect(analyzeRule({ and: [{ '==': [1, 1], '!=': [1, 2] }] }, scope).errors).toEqual([
      { path: '/and/0', message: 'an object with 2 keys (==, !=) is not a rule: a rule has exactly one operator' },
    ]);
  });
});

describe('buildConditionData', () => {
  const health = { scorecardId: 'health', score: 72, color: 'yellow' as const, measures: { usage: { name: 'Usage', value: 40, color: 'red' as const, weight: 2 } }, at: '2026-11-22T00:00:00.000Z' };
  const data = buildConditionData({
    fields: { tier: 'tier-1', renewalDate: '2027-02-14' },
    tags: ['vip'],
    flags: { renewalOptOut: true },
    health,
    journey: { lifecycle: { stage: 'adoption', daysInStage: 12 } },
    event: { id: 'e1', accountId: 'a1', type: 'nps.response', occurredAt: '2026-11-22T00:00:00.000Z', data: { score: 3 } },
  });
  const read = (path: string) => compileRule({ var: path })(data, 0);

  it('exposes fields, tags, flags, health, journeys and the event at their documented paths', () => {
    expect(read('tier')).toBe('tier-1');
    expect(read('tags')).toEqual(['vip']);
    expect(read('flags.renewalOptOut')).toBe(true);
    expect(read('health.score')).toBe(72);
    expect(read('health.measures.usage.color')).toBe('red');
    expect(read('journey.lifecycle.daysInStage')).toBe(12);
    expect(read('event.data.score')).toBe(3);
  });

  it('keeps date values as the original text while caching their parsed time', () => {
    const now = Date.parse('2026-11-22T00:00:00.000Z');
    expect(read('renewalDate')).toBe('2027-02-14');
    expect(compileRule({ days_until: { var: 'renewalDate' } })(data, now)).toBe(84);
    expect(compileRule({ days_until: { var: 'renewalDate' } })(data, now + 86_400_000)).toBe(83);
    expect(Object.keys(data).sort()).toEqual(['event', 'flags', 'health', 'journey', 'renewalDate', 'tags', 'tier']);
    expect(JSON.parse(JSON.stringify(data)).renewalDate).toBe('2027-02-14');
  });

  it('with the dictionary field names, reads a missing field exactly like an absent one', () => {
    const names = fields.map((f) => f.name);
    const shaped = buildConditionData({ fields: { tier: 'tier-2' }, tags: [], flags: {}, fieldNames: names });
    expect(compileRule({ var: ['mrr', 'none'] })(shaped, 0)).toBe('none');
    expect(compileRule({ missing: ['mrr', 'tier'] })(shaped, 0)).toEqual(['mrr']);
    expect(compileRule({ '<=': [{ var: 'mrr' }, 5] })(shaped, 0)).toBe(true);
    expect(JSON.parse(JSON.stringify(shaped))).toEqual({ tier: 'tier-2', tags: [], flags: {}, health: null, journey: {} });
  });

  it('with field names, still carries fields outside the dictionary and keeps roots first', () => {
    const names = ['tier', 'tags', 'toString', 'mrr'];
    const d = buildConditionData({ fields: { tier: 'tier-1', extra: 5, tags: 'x', mrr: 0 }, tags: ['a'], flags: {}, fieldNames: names });
    expect(compileRule({ var: 'extra' })(d, 0)).toBe(5);
    expect(compileRule({ var: 'mrr' })(d, 0)).toBe(0);
    expect(compileRule({ var: ['toString', 'none'] })(d, 0)).toBe('none');
    expect(d.tags).toEqual(['a']);
    // A source object with a prototype of its own is copied by own properties only.
    const inherited = Object.assign(Object.create({ tier: 'inherited' }), { mrr: 3 });
    const e = buildConditionData({ fields: inherited, tags: [], flags: {}, fieldNames: names });
    expect(compileRule({ var: ['tier', 'none'] })(e, 0)).toBe('none');
    expect(compileRule({ var: 'mrr' })(e, 0)).toBe(3);
  });

  it('does not let a field shadow tags, flags, health or journey', () => {
    const d = buildConditionData({ fields: { tags: 'x', health: 5 }, tags: ['a'], flags: {} });
    expect(d.tags).toEqual(['a']);
    expect(d.health).toBeNull();
  });

  it('gives null health when the account has none', () => {
    const d = buildConditionData({ fields: {}, tags: [], flags: {} });
    expect(compileRule({ var: ['health.score', 'none'] })(d, 0)).toBe('none');
  });
});

describe('truthy', () => {
  it('follows json-logic-js: empty array false, "0" true', () => {
    expect([[], [0], 0, '', '0', null, undefined, {}, false, true, NaN].map(truthy)).toEqual([false, true, false, false, true, false, false, true, false, true, false]);
  });
});

describe('describeRule', () => {
  const d = (rule: unknown) => describeRule(rule, fields);
  it('reads the common shapes as plain language', () => {
    expect(d({ '<=': [{ days_until: { var: 'renewalDate' } }, 90] })).toBe('Renewal date within 90 days');
    expect(d({ '<=': [0, { days_until: { var: 'renewalDate' } }, 90] })).toBe('Renewal date within 90 days');
    expect(d({ '<=': [{ var: 'nps' }, 6] })).toBe('NPS at most 6');
    expect(d({ '>': [10, { var: 'openTickets' }] })).toBe('Open tickets less than 10');
    expect(d({ in: [{ var: 'tier' }, ['tier-1', 'tier-2']] })).toBe('Tier is one of tier-1, tier-2');
    expect(d({ '!': { in: [{ var: 'tier' }, ['tier-3']] } })).toBe('Tier is not one of tier-3');
    expect(d({ and: [{ '<=': [{ days_until: { var: 'renewalDate' } }, 90] }, { '==': [{ var: 'tier' }, 'tier-1'] }] })).toBe('Renewal date within 90 days and Tier is tier-1');
    expect(d({ '>': [{ days_since: { var: 'lastCsmUpdateAt' } }, 7] })).toBe('Last CSM update more than 7 days ago');
    expect(d({ or: [{ '==': [{ var: 'health.color' }, 'red'] }, { and: [{ '>=': [{ var: 'mrr' }, 1000] }, { in: ['vip', { var: 'tags' }] }] }] })).toBe('Health is red or (MRR at least 1000 and Tags include vip)');
    expect(d({ '==': [{ var: 'primaryContactEmail' }, null] })).toBe('Primary contact email is empty');
    expect(d({ '!': { var: 'flags.renewalOptOut' } })).toBe('Flag renewalOptOut is not set');
    expect(d({ missing: ['primaryContactEmail'] })).toBe('Primary contact email is missing');
    expect(d({ '!': [{ var: 'adminSelfSufficient' }] })).toBe('Admin self-sufficient is false');
    expect(d({ and: [{ '!!': [{ var: 'renewalDate' }] }, { '>=': [{ days_until: [{ var: 'renewalDate' }] }, 0] }] })).toBe('Renewal date is set and Renewal date is today or later');
    expect(d({ '>': [{ days_since: { var: 'lastCsmUpdateAt' } }, { var: 'openTickets' }] })).toBe('Last CSM update more than open tickets days ago');
  });

  it('falls back to a readable formula', () => {
    expect(d({ '>=': [{ max: [{ var: 'mrr' }, 100] }, 500] })).toBe('Max(MRR, 100) at least 500');
    expect(d({ '>': [{ '/': [{ var: 'mrr' }, { var: 'nps' }] }, 2] })).toBe('(MRR ÷ NPS) more than 2');
  });
});
