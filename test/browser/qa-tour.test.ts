/**
 * A tour of the pages a QA pass checks, on the demo book with the clock on 22 Nov 2026:
 * dates in one readable format, relative days that agree with the date, labels instead of
 * ids, a missing task that says so. Screenshots go to test-artifacts/qa-tour/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { startBrowserTest, type BrowserTest } from './harness.js';

let h: BrowserTest;
const WAIT = { timeout: 20_000 };

beforeAll(async () => {
  h = await startBrowserTest('qa-tour', { demoAccounts: 60, clock: new ManualClock(new Date('2026-11-22T13:15:00.000Z')) });
}, 240_000);

afterAll(async () => { await h?.close(); });

describe('QA tour', () => {
  it('queue, task, account, analytics and designer pages', async () => {
    const p = h.page;
    await h.signIn('csm@waymark.test');
    await p.getByTestId('queue-row').first().waitFor(WAIT);
    await h.shot('queue');
    await p.getByTestId('queue-row').first().getByRole('link').first().click();
    await p.waitForURL(/\/tasks\//);
    await p.waitForTimeout(1000);
    await h.shot('task');
    await h.goto('/tasks/no-such-task');
    await p.waitForTimeout(1000);
    await h.shot('task-missing');
    await h.goto('/accounts');
    await p.waitForTimeout(1500);
    await p.locator('tbody tr a').first().click();
    await p.waitForTimeout(1500);
    await h.shot('account');
    await h.signIn('admin@waymark.test');
    await h.goto('/team');
    await p.getByRole('link', { name: 'Analytics' }).waitFor(WAIT);
    await p.waitForTimeout(1500);
    await h.shot('team');
    const log: string[] = [];
    const t0 = Date.now();
    const onReq = (r: { url: () => string }) => log.push(`${Date.now() - t0} start ${r.url().replace(h.srv.url, '')}`);
    const onDone = (r: { url: () => string }) => log.push(`${Date.now() - t0} done ${r.url().replace(h.srv.url, '')}`);
    p.on('request', onReq); p.on('requestfinished', onDone);
    await p.getByRole('link', { name: 'Analytics' }).click();
    await p.getByTestId('funnel-table').waitFor(WAIT);
    await p.getByText('Average monthly churn').waitFor(WAIT);
    await p.getByRole('columnheader', { name: 'Week', exact: true }).waitFor(WAIT).catch(async (e) => { await h.shot('analytics-stuck'); throw e; });
    console.log('analytics ready ms', Date.now() - t0, '\n' + log.join('\n'));
    p.off('request', onReq); p.off('requestfinished', onDone);
    // Analytics asks for all its data at once: the funnel does not wait for the journey list.
    const at = (prefix: string) => log.findIndex((l) => l.split(' ').slice(1).join(' ').startsWith(prefix));
    expect(at('start /api/analytics/funnel')).toBeGreaterThanOrEqual(0);
    if (at('done /api/definitions') >= 0) expect(at('start /api/analytics/funnel')).toBeLessThan(at('done /api/definitions'));
    await h.shot('analytics');
    await h.goto('/library');
    await p.getByRole('link', { name: 'Renewal in 90 days' }).waitFor(WAIT);
    await h.shot('library');
    await p.getByRole('link', { name: 'Renewal in 90 days' }).click();
    await p.locator('.react-flow__node').first().waitFor(WAIT);
    await p.waitForTimeout(800);
    const before = await p.locator('.react-flow__node').count();
    await p.locator('.wmd-palette-item', { hasText: 'Task' }).click();
    await expect.poll(() => p.locator('.react-flow__node').count(), WAIT).toBe(before + 1);
    await p.waitForTimeout(600);
    await h.shot('designer-added');
    // The new node overlaps no other node and sits inside the visible canvas.
    const boxes = await p.locator('.react-flow__node').evaluateAll((els) => els.map((e) => { const r = e.getBoundingClientRect(); return { id: e.getAttribute('data-id'), x: r.x, y: r.y, w: r.width, h: r.height, sel: e.classList.contains('selected') || !!e.querySelector('.wmd-selected') }; }));
    const canvas = (await p.locator('.wmd-canvas').boundingBox())!;
    const added = boxes.find((b) => /^task/.test(b.id ?? '') && b.sel) ?? boxes[boxes.length - 1];
    for (const o of boxes) {
      if (o === added) continue;
      const overlap = added.x < o.x + o.w && o.x < added.x + added.w && added.y < o.y + o.h && o.y < added.y + added.h;
      expect(overlap, `new node ${added.id} overlaps ${o.id}`).toBe(false);
    }
    expect(added.x >= canvas.x && added.y >= canvas.y && added.x + added.w <= canvas.x + canvas.width && added.y + added.h <= canvas.y + canvas.height).toBe(true);
    // With nothing selected the inspector edits the playbook, re-entry included.
    await p.keyboard.press('Escape');
    await p.getByLabel('Re-entry').waitFor(WAIT);
    await h.shot('designer-trigger');
    const reentry = p.getByLabel('Re-entry');
    expect(await reentry.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    await p.getByRole('tab', { name: 'History' }).click();
    await p.getByRole('button', { name: 'Show differences' }).click();
    await p.getByRole('dialog').waitFor(WAIT);
    await p.waitForTimeout(800);
    await h.shot('designer-diff');
    // The missing task's 404 is expected; nothing else may fail.
    expect(h.consoleErrors.filter((e) => !e.includes('/api/tasks/no-such-task'))).toEqual([]);
  }, 180_000);
});
