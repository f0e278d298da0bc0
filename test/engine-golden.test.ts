/**
 * Golden test: a recorded series of events and clock ticks over the sample library must give
 * exactly the recorded effects. After an intended behaviour change, regenerate with
 *   UPDATE_GOLDEN=1 npx vitest run test/engine-golden.test.ts
 * and review the diff of test/golden/sample-library.golden.json like any other change.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { compileLibrary } from '../engine/runtime/index.js';
import type { Account, AccountEvent, Effect } from '../engine/types.js';
import { loadSampleLibrary } from './golden/library.js';
import { Book } from './golden/harness.js';

// Compiling the library (ajv validation) and fuzzing take seconds on a loaded CI machine.
vi.setConfig({ testTimeout: 120_000 });

const GOLDEN = join(import.meta.dirname, 'golden', 'sample-library.golden.json');
const START = '2026-11-22T00:00:00.000Z';
const DAYS = 45;

interface Step {
  at: string;
  accountId: string;
  eventId?: string;
  effects: Effect[];
  nextWakeAt: string | null;
}

function record(): Step[] {
  const lib = compileLibrary(loadSampleLibrary());
  const fixture: { accounts: Account[]; events: AccountEvent[] } = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/accounts/sample-book.json'), 'utf8'));
  const steps: Step[] = [];
  for (const account of fixture.accounts) {
    const book = new Book(lib, account);
    const events = fixture.events.filter((e) => e.accountId === account.id).sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : 1));
    let ei = 0;
    let wake = Date.parse(START);
    for (let d = 0; d <= DAYS; d++) {
      const tick = Date.parse(START) + d * 86_400_000;
      while (ei < events.length && Date.parse(events[ei].occurredAt) <= tick) {
        const e = events[ei++];
        const r = book.run(e.occurredAt, { event: e });
        steps.push({ at: e.occurredAt, accountId: account.id, eventId: e.id, effects: r.effects, nextWakeAt: r.nextWakeAt });
        wake = r.nextWakeAt ? Date.parse(r.nextWakeAt) : Infinity;
      }
      // a task the CSM finishes on its third day, so task-done waits are exercised too
      for (const t of book.open()) if (tick - Date.parse(t.createdAt) >= 3 * 86_400_000 && t.type !== 'risk') book.complete(t.id, new Date(tick).toISOString());
      if (wake <= tick || d % 7 === 0) {
        const at = new Date(tick).toISOString();
        const r = book.run(at);
        wake = r.nextWakeAt ? Date.parse(r.nextWakeAt) : Infinity;
        if (r.effects.length) steps.push({ at, accountId: account.id, effects: r.effects, nextWakeAt: r.nextWakeAt });
      }
    }
  }
  return steps;
}

describe('golden recording over the sample library', () => {
  it('gives exactly the recorded effects', () => {
    const steps = record();
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) {
      writeFileSync(GOLDEN, JSON.stringify({ start: START, days: DAYS, fixture: 'test/fixtures/accounts/sample-book.json', steps }, null, 1) + '\n');
      if (process.env.UPDATE_GOLDEN !== '1') throw new Error(`No golden file yet: wrote ${GOLDEN}; review it, commit it and run again`);
    }
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as { steps: Step[] };
    expect(steps.length).toBe(golden.steps.length);
    for (let i = 0; i < steps.length; i++) {
      expect(steps[i], `step ${i} (${steps[i].accountId} at ${steps[i].at})`).toEqual(golden.steps[i]);
    }
  });

  it('records a meaningful scenario', () => {
    const steps = record();
    const kinds = new Set(steps.flatMap((s) => s.effects.map((e) => e.kind)));
    expect([...kinds].sort()).toEqual(['closeTask', 'createTask', 'healthChanged', 'stageChanged', 'timeline', 'updateTask']);
  });
});
