/**
 * Designer fixes from the QA pass: a node added by clicking the palette lands clear of the
 * others; the version comparison opens on a pair that has differences; the journey editor's
 * stage counts come from the Analytics funnel (churned accounts left out).
 */
import { describe, expect, it } from 'vitest';
import { freeSpot } from '../editor/src/designer/graph-model.js';
import { defaultComparison, diffIsEmpty } from '../editor/src/designer/VersionsPanel.js';
import { stageCountsFromFunnel } from '../editor/src/designer/journey-counts.js';

const overlaps = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.abs(a.x - b.x) < 220 && Math.abs(a.y - b.y) < 80;

describe('placing a new node', () => {
  it('keeps the wanted spot when it is free', () => {
    expect(freeSpot([{ x: 0, y: 0 }], { x: 600, y: 0 })).toEqual({ x: 600, y: 0 });
  });

  it('moves to the nearest free spot when nodes are in the way', () => {
    const taken = [{ x: 0, y: 0 }, { x: 0, y: 150 }, { x: 0, y: 300 }, { x: 260, y: 150 }];
    const want = { x: 10, y: 160 };
    const p = freeSpot(taken, want);
    for (const q of taken) expect(overlaps(p, q)).toBe(false);
    // Close by: one node width or height away, not far off-canvas.
    expect(Math.hypot(p.x - want.x, p.y - want.y)).toBeLessThanOrEqual(400);
  });

  it('finds room on a crowded canvas', () => {
    const taken = Array.from({ length: 60 }, (_, i) => ({ x: (i % 6) * 250, y: Math.floor(i / 6) * 120 }));
    const p = freeSpot(taken, { x: 500, y: 500 });
    for (const q of taken) expect(overlaps(p, q)).toBe(false);
  });
});

describe('the version comparison it opens with', () => {
  it('draft against live when the draft has changes, else previous against latest', () => {
    expect(defaultComparison([1, 2], true)).toEqual({ from: 2, to: 'draft' });
    expect(defaultComparison([2, 1], false)).toEqual({ from: 1, to: 2 });
    expect(defaultComparison([1], false)).toEqual({ from: 0, to: 1 });
    expect(defaultComparison([], true)).toEqual({ from: 0, to: 'draft' });
  });

  it('tells an empty diff from one with changes', () => {
    const none = { added: [], removed: [], changed: [] };
    expect(diffIsEmpty({ nodes: none, edges: none, textDiff: '' })).toBe(true);
    expect(diffIsEmpty({ nodes: { ...none, changed: ['t1'] }, edges: none, textDiff: '' })).toBe(false);
    expect(diffIsEmpty({ nodes: none, edges: none, textDiff: '@@ -1 +1 @@\n-a\n+b' })).toBe(false);
    expect(diffIsEmpty({ nodes: none, edges: none, textDiff: '', settings: ['reentry'] })).toBe(false);
  });
});

describe('journey stage counts', () => {
  it('reads "in stage now" from the funnel that Analytics shows', () => {
    const funnel = { journeyId: 'lifecycle', accounts: 55, churned: 5, stages: [
      { id: 'onboarding', name: 'Onboarding', now: 9, entered: 60 },
      { id: 'adoption', name: 'Adoption', now: 23, entered: 48 },
    ] };
    expect(stageCountsFromFunnel(funnel)).toEqual({ onboarding: 9, adoption: 23 });
    expect(stageCountsFromFunnel({ stages: [] })).toBeNull();
  });
});
