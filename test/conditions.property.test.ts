/**
 * Differential test: for generated rules (allowed operators, nested) and
 * generated account data, our compiled rules give exactly what json-logic-js
 * 2.0.5 `apply` gives (or both throw), in every compile mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import jsonLogic from 'json-logic-js';
import { isDeepStrictEqual } from 'node:util';
import { COMPILE_MODES, buildConditionData, compileRule, type ConditionDataInput } from '../engine/conditions/index.js';
// Generated health is partial and may hold nulls on purpose: rules must cope with bad data.
import { daysSince, daysUntil } from '../engine/conditions/dates.js';

const NOW = Date.parse('2026-11-22T09:30:00.000Z');

beforeAll(() => {
  jsonLogic.add_operation('days_since', (v: unknown) => daysSince(v, NOW));
  jsonLogic.add_operation('days_until', (v: unknown) => daysUntil(v, NOW));
});
afterAll(() => {
  jsonLogic.rm_operation('days_since');
  jsonLogic.rm_operation('days_until');
});

// ---------- data ----------
const dateText = fc.oneof(
  fc.integer({ min: -400, max: 400 }).map((d) => new Date(NOW + d * 86_400_000).toISOString().slice(0, 10)),
  fc.integer({ min: -400 * 24, max: 400 * 24 }).map((h) => new Date(NOW + h * 3_600_000).toISOString()),
  fc.constantFrom('2027-02-30', 'soon', '', '2026-13-01', '2026-11-22T09:30:00+05:30'),
);
const scalar = fc.oneof(
  fc.integer({ min: -20, max: 120 }),
  fc.double({ min: -1000, max: 1000, noNaN: true }),
  fc.constantFrom('0', '1', '10', '3.5', '', ' 7 ', 'abc', 'tier-1', 'tier-2', 'red', 'green', '-0', 'vip'),
  fc.constant(null),
  fc.boolean(),
  dateText,
);
const value = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }) },
);
const FIELD_NAMES = ['tier', 'mrr', 'nps', 'renewalDate', 'lastCsmUpdateAt', 'name', 'churned', 'openTickets', 'products'] as const;
const fieldsArb = fc.record(Object.fromEntries(FIELD_NAMES.map((n) => [n, value])) as Record<string, fc.Arbitrary<unknown>>, { requiredKeys: [] });
const accountArb = fc.record({
  fields: fieldsArb,
  tags: fc.array(fc.constantFrom('vip', 'new', 'at-risk', ''), { maxLength: 3 }),
  flags: fc.record({ vip: fc.boolean(), optOut: fc.boolean() }, { requiredKeys: [] }),
  health: fc.option(fc.record({ score: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constant(null)), color: fc.constantFrom('green', 'yellow', 'red') }), { nil: null }),
});

// ---------- rules ----------
const PATHS = [...FIELD_NAMES, 'tags', 'tags.0', 'tags.length', 'flags.vip', 'flags.optOut', 'health.score', 'health.color', 'products.1', 'nope', 'name.length', 'mrr.x'];
const ITEM_PATHS = ['', 'current', 'accumulator', 'current.0', 'x'];
const literal = fc.oneof(
  fc.integer({ min: -5, max: 100 }),
  fc.constantFrom(0, 1, 2, 7, 30, 90, -1, 0.5),
  fc.constantFrom('', '0', '1', '10', 'abc', 'tier-1', 'red', 'vip', 'a.b', '2027-01-01'),
  fc.constant(null),
  fc.boolean(),
);
const varArb = (paths: readonly string[]) =>
  fc.oneof(
    fc.constantFrom(...paths).map((p) => ({ var: p })),
    fc.tuple(fc.constantFrom(...paths), literal).map(([p, d]) => ({ var: [p, d] })),
  );
const OPS = ['==', '===', '!=', '!==', '>', '>=', '<', '<=', '!', '!!', 'or', 'and', '?:', 'if', 'in', 'cat', 'substr', '+', '-', '*', '/', '%', 'min', 'max', 'merge'];

function ruleArb(paths: readonly string[], depth: number): fc.Arbitrary<unknown> {
  const leaf = fc.oneof({ weight: 3, arbitrary: varArb(paths) }, { weight: 2, arbitrary: literal });
  if (depth <= 0) return leaf;
  const sub = ruleArb(paths, depth - 1);
  const itemRule = ruleArb(ITEM_PATHS, depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...OPS), fc.array(sub, { minLength: 0, maxLength: 4 })).map(([op, args]) => ({ [op]: args })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...OPS), sub).map(([op, arg]) => ({ [op]: arg })) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('days_since', 'days_until'), fc.oneof(varArb(paths), dateText)).map(([op, a]) => ({ [op]: a })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('in'), sub, fc.array(literal, { maxLength: 10 })).map(([op, a, list]) => ({ [op]: [a, list] })) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...paths, 'a.b', ''), { maxLength: 3 }).map((keys) => ({ missing: keys })) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.array(fc.constantFrom(...paths), { maxLength: 3 })).map(([n, keys]) => ({ missing_some: [n, keys] })) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('map', 'filter', 'all', 'none', 'some'), sub, itemRule).map(([op, list, r]) => ({ [op]: [list, r] })) },
    { weight: 1, arbitrary: fc.tuple(sub, itemRule, fc.option(sub, { nil: undefined })).map(([list, r, init]) => ({ reduce: init === undefined ? [list, r] : [list, r, init] })) },
    { weight: 1, arbitrary: fc.array(sub, { maxLength: 3 }) },
  );
}

function outcome(f: () => unknown): { threw: boolean; value?: unknown } {
  try {
    return { threw: false, value: f() };
  } catch {
    return { threw: true };
  }
}

describe.each(COMPILE_MODES)('differential against json-logic-js (%s mode)', (mode) => {
  it('gives the same result for thousands of generated rules and accounts', () => {
    let compared = 0;
    fc.assert(
      fc.property(ruleArb(PATHS, 4), fc.array(accountArb, { minLength: 1, maxLength: 3 }), (rule, accounts) => {
        const compiled = compileRule(rule, { mode });
        for (const account of accounts) {
          // Built data (with its date cache) and a plain object must both match json-logic-js.
          const built = buildConditionData(account as unknown as ConditionDataInput);
          const shaped = buildConditionData({ ...(account as unknown as ConditionDataInput), fieldNames: FIELD_NAMES });
          const plain = { ...account.fields, tags: account.tags, flags: account.flags, health: account.health, journey: {} };
          for (const data of [built, shaped, plain]) {
            const want = outcome(() => jsonLogic.apply(rule as any, data));
            const got = outcome(() => compiled(data, NOW));
            compared++;
            if (want.threw !== got.threw || !isDeepStrictEqual(got.value, want.value)) {
              throw new Error(`rule ${JSON.stringify(rule)}\ndata ${JSON.stringify(data)}\njson-logic-js ${want.threw ? 'threw' : String(want.value) + ' ' + JSON.stringify(want.value)}\nours ${got.threw ? 'threw' : String(got.value) + ' ' + JSON.stringify(got.value)}`);
            }
          }
        }
      }),
      { numRuns: 4000, seed: 20261122 },
    );
    expect(compared).toBeGreaterThan(10_000);
  });

  it('agrees on the common condition shapes over many accounts', () => {
    const comparison = fc.tuple(fc.constantFrom('==', '!=', '>', '>=', '<', '<='), varArb(PATHS), literal).map(([op, v, l]) => ({ [op]: [v, l] }));
    const clock = fc.tuple(fc.constantFrom('<=', '>', '>=', '<'), fc.constantFrom('days_until', 'days_since'), fc.constantFrom('renewalDate', 'lastCsmUpdateAt', 'nope'), fc.constantFrom(0, 7, 30, 90))
      .map(([op, fn, f, n]) => ({ [op]: [{ [fn]: { var: f } }, n] }));
    const shape = fc.oneof(comparison, clock, fc.tuple(varArb(PATHS), fc.array(literal, { maxLength: 5 })).map(([v, list]) => ({ in: [v, list] })));
    const rule = fc.tuple(fc.constantFrom('and', 'or'), fc.array(fc.oneof(shape, shape.map((s) => ({ '!': s }))), { minLength: 1, maxLength: 4 })).map(([op, parts]) => ({ [op]: parts }));
    fc.assert(
      fc.property(rule, fc.array(accountArb, { minLength: 5, maxLength: 10 }), (r, accounts) => {
        const compiled = compileRule(r, { mode });
        for (const account of accounts) {
          const data = buildConditionData(account as unknown as ConditionDataInput);
          expect(compiled(data, NOW)).toStrictEqual(jsonLogic.apply(r as any, data));
        }
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});
