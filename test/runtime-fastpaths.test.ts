/**
 * The re-check's shortcuts give exactly the full evaluation's results: the sample library over
 * generated accounts, driven day by day for months with events and completed tasks (so waits
 * fall due, exit criteria hold, triggers turn true, stages change), each evaluation made twice -
 * with the shortcuts, its runs handed over in a shuffled order, and without them.
 */
import { describe, expect, it, vi } from 'vitest';
import { compileLibrary } from '../engine/runtime/index.js';
import { evaluateWith } from '../engine/runtime/evaluate.js';
import type { EvaluationInput, EvaluationResult } from '../engine/types.js';
import { generateAccounts, prng } from '../bench/accounts.js';
import { loadSampleLibrary } from './golden/library.js';
import { randomEvent } from './helpers/random-events.js';
import { Book, DAY, T0 } from './golden/harness.js';

vi.setConfig({ testTimeout: 120_000 });

const input = loadSampleLibrary();
const lib = compileLibrary(input);

function both(inp: EvaluationInput, shuffle: () => number): { fast: EvaluationResult; full: EvaluationResult } {
  const runs = inp.instances.slice();
  for (let i = runs.length - 1; i > 0; i--) {
    const j = Math.floor(shuffle() * (i + 1));
    [runs[i], runs[j]] = [runs[j], runs[i]];
  }
  const fast = evaluateWith(lib, { ...inp, instances: runs }, { fastPaths: true });
  const full = evaluateWith(lib, inp, { fastPaths: false });
  return { fast, full };
}

/** A field changed outside events (a CRM sync), so exits, moved date waits and stage criteria happen. */
function editField(rnd: () => number, fields: Record<string, unknown>, nowMs: number): Record<string, unknown> {
  const day = (offset: number) => new Date(nowMs + offset * DAY).toISOString().slice(0, 10);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  switch (int(0, 8)) {
    case 0: return { ...fields, renewalDate: day(int(-5, 200)) };
    case 1: return { ...fields, churned: rnd() < 0.5 };
    case 2: return { ...fields, dauTrendPct: int(-60, 40) };
    case 3: return { ...fields, keyFeaturesGreen: int(0, 7), featuresUsed: int(0, 12) };
    case 4: return { ...fields, csmSentiment: int(1, 5) };
    case 5: return { ...fields, adminSelfSufficient: rnd() < 0.5, deploymentDocumented: rnd() < 0.5 };
    case 6: return { ...fields, lastCsmUpdateAt: day(int(-40, 0)) };
    case 7: return { ...fields, usageGreenSince: rnd() < 0.3 ? null : day(int(-60, 0)) };
    default: return { ...fields, nps: int(0, 10), npsRespondedAt: day(int(-10, 0)) };
  }
}

describe('re-check shortcuts', () => {
  it('give the full evaluation\'s results, byte for byte, over generated accounts and clocks', () => {
    const t0 = Date.parse(T0);
    const accounts = generateAccounts(80, input.fields.fields, t0, 11);
    const rnd = prng(5);
    const seen = { idle: 0, acted: 0, waitsOver: 0, exits: 0, started: 0, stageMoves: 0, closed: 0 };
    for (const account of accounts) {
      const book = new Book(lib, account);
      let n = 0;
      for (let d = 0; d <= 150; d++) {
        const tick = new Date(t0 + d * DAY).toISOString();
        if (rnd() < 0.15) {
          const ev = randomEvent(rnd, account.id, n++, new Date(t0 + d * DAY - 3_600_000).toISOString());
          const { fast, full } = both(book.input(ev.occurredAt, { event: ev }), rnd);
          expect(JSON.stringify(fast)).toBe(JSON.stringify(full));
          book.apply(full);
        }
        if (rnd() < 0.12) book.account = { ...book.account, fields: editField(rnd, book.account.fields, t0 + d * DAY) };
        // Someone completes an open task now and then (task-done waits).
        const open = book.open();
        if (open.length > 0 && rnd() < 0.1) book.complete(open[Math.floor(rnd() * open.length)].id, tick);
        const inp = book.input(tick);
        const { fast, full } = both(inp, rnd);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(full));
        if (full.instances.length === 0) seen.idle++;
        else seen.acted++;
        for (const i of full.instances) {
          for (const s of i.path) {
            if (s.at !== tick) continue;
            if (s.outcome === 'wait over' || s.outcome === 'timeout' || s.outcome === 'task done') seen.waitsOver++;
            if (s.outcome === 'exited') seen.exits++;
            if (s.outcome === 'started') seen.started++;
          }
        }
        for (const e of full.effects) {
          if (e.kind === 'stageChanged') seen.stageMoves++;
          if (e.kind === 'closeTask') seen.closed++;
        }
        book.apply(full);
      }
    }
    // The drive covered both the quiet re-check and every kind of change.
    for (const [k, v] of Object.entries(seen)) expect(v, k).toBeGreaterThan(10);
  });
});
