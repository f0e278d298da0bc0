/**
 * Narrow screens: a CSM checking the queue on a phone (390 px) or a leader on a tablet (768 px)
 * reads every page without the page scrolling sideways (wide tables scroll inside their card).
 * The book is the demo seed's, so every page has real content.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserTest, type BrowserTest } from './harness.js';

let h: BrowserTest;

beforeAll(async () => {
  h = await startBrowserTest('narrow', { demoAccounts: 120, viewport: { width: 390, height: 844 } });
}, 240_000);
afterAll(async () => {
  await h?.close();
});

/** How far the page itself overflows the viewport sideways (0 when it does not). */
async function sidewaysOverflow(): Promise<number> {
  return h.page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth);
}

async function openFirst(link: string): Promise<void> {
  const a = h.page.locator(`main a[href^="${link}"]`).first();
  await a.waitFor();
  await a.click();
  await h.page.waitForLoadState('networkidle');
}

describe('narrow screens', () => {
  it('a CSM reads the queue, a task and an account on a phone', async () => {
    await h.signIn('csm@waymark.test');
    await h.goto('/queue');
    await h.page.getByRole('heading', { name: /queue/i }).first().waitFor();
    await h.page.waitForLoadState('networkidle');
    await h.shot('queue-390');
    expect(await sidewaysOverflow()).toBe(0);
    // The filters wrap into rows of chips, so the first task shows without scrolling.
    const firstTaskTop = await h.page.locator('main a[href^="/tasks/"]').first().evaluate((e) => e.getBoundingClientRect().top);
    expect(firstTaskTop).toBeLessThan(844);
    await openFirst('/tasks/');
    await h.shot('task-390');
    expect(await sidewaysOverflow()).toBe(0);
    await h.goto('/accounts');
    await h.page.waitForLoadState('networkidle');
    await h.shot('accounts-390');
    expect(await sidewaysOverflow()).toBe(0);
    await openFirst('/accounts/');
    await h.shot('account-390');
    expect(await sidewaysOverflow()).toBe(0);
  }, 120_000);

  it('a leader reads analytics, the team and the playbook library on a tablet', async () => {
    await h.page.setViewportSize({ width: 768, height: 1024 });
    await h.signIn('admin@waymark.test');
    for (const p of ['/analytics', '/team', '/library']) {
      await h.goto(p);
      await h.page.waitForLoadState('networkidle');
      await h.shot(`${p.slice(1)}-768`);
      expect({ page: p, overflow: await sidewaysOverflow() }).toEqual({ page: p, overflow: 0 });
    }
    expect(h.consoleErrors).toEqual([]);
  }, 120_000);

  it('a leader reads analytics on a phone: wide tables scroll in their card, funnel stage names do not run together', async () => {
    await h.page.setViewportSize({ width: 390, height: 844 });
    await h.signIn('admin@waymark.test');
    await h.goto('/analytics');
    await h.page.getByTestId('funnel-table').waitFor();
    await h.page.waitForLoadState('networkidle');
    await h.shot('analytics-390');
    // The elements wider than the screen that are not inside a sideways scroller, for the message.
    const sticking = await h.page.evaluate(() => [...document.querySelectorAll('main *')].filter((e) => {
      const r = e.getBoundingClientRect();
      if (r.right <= window.innerWidth + 0.5) return false;
      for (let p = e.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible' && p.scrollWidth > p.clientWidth) return false;
      return true;
    }).slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`));
    expect({ scrollWidth: await h.page.evaluate(() => document.documentElement.scrollWidth), sticking }).toEqual({ scrollWidth: 390, sticking: [] });
    // The funnel's x-axis stage labels do not overlap one another: the svg texts under each funnel chart's plot area (the legend is HTML).
    const ticks = await h.page.locator('.wm-funnel-chart').evaluateAll((charts) => charts.flatMap((c) => {
      const plotBottom = Math.max(...[...c.querySelectorAll('.recharts-cartesian-grid')].map((g) => g.getBoundingClientRect().bottom));
      return [...c.querySelectorAll('svg text')].map((e) => e.getBoundingClientRect()).filter((r) => r.top >= plotBottom - 1)
        .map((r) => ({ left: r.left, right: r.right, top: r.top, bottom: r.bottom }));
    }));
    expect(ticks.length).toBeGreaterThan(2);
    const overlaps = ticks.slice(1).filter((t, i) => t.left < ticks[i].right - 0.5 && t.top < ticks[i].bottom - 0.5 && ticks[i].top < t.bottom - 0.5);
    expect(overlaps).toEqual([]);
    expect(h.consoleErrors).toEqual([]);
  }, 120_000);

  it('a leader opens a playbook graph on a tablet and on a phone', async () => {
    await h.signIn('admin@waymark.test');
    for (const [width, height] of [[768, 1024], [390, 844]] as const) {
      await h.page.setViewportSize({ width, height });
      await h.goto('/definitions/renewal-90-days');
      await h.page.locator('.react-flow__node').first().waitFor();
      await h.page.waitForLoadState('networkidle');
      await h.shot(`editor-${width}`);
      expect({ width, overflow: await sidewaysOverflow() }).toEqual({ width, overflow: 0 });
      // The canvas keeps a usable share of the screen, and the graph is fitted into it.
      const canvas = await h.page.locator('.react-flow').first().boundingBox();
      const main = await h.page.locator("main").first().boundingBox();
      expect(canvas!.width).toBeGreaterThan(main!.width - 4);
      expect(canvas!.height).toBeGreaterThan(300);
      const node = await h.page.locator('.react-flow__node').first().boundingBox();
      expect(node!.x).toBeGreaterThanOrEqual(canvas!.x - 1);
      expect(node!.x + node!.width).toBeLessThanOrEqual(canvas!.x + canvas!.width + 1);
    }
    expect(h.consoleErrors).toEqual([]);
  }, 120_000);
});
