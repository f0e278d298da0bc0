/**
 * A CS leader builds "renewal within 60 days for tier-1 accounts" from scratch in the real
 * editor (chromium, real server, temp store): drags nodes from the palette, wires them up,
 * sees the missing "no" branch flagged, fixes it, previews it on one account, publishes it;
 * the worker then creates the task in the account owner's queue.
 * Screenshots of every step: test-artifacts/editor/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startBrowserTest, type BrowserTest } from './harness.js';

let h: BrowserTest;

beforeAll(async () => {
  h = await startBrowserTest('editor', { viewport: { width: 1366, height: 768 } });
  const admin = await h.srv.login('admin@waymark.test');
  // The test clock is 2026-11-02: Acme renews in 43 days (tier-1), Globex in 48 (tier-2), Initech in 7 months.
  const res = await admin.post('/api/accounts/bulk', {
    accounts: [
      { id: 'acme', name: 'Acme Corp', tier: 'tier-1', segment: 'high-touch', owner: 'csm-1', mrr: 4200, renewalDate: '2026-12-15' },
      { id: 'globex', name: 'Globex', tier: 'tier-2', segment: 'low-touch', owner: 'csm-2', mrr: 900, renewalDate: '2026-12-20' },
      { id: 'initech', name: 'Initech', tier: 'tier-1', segment: 'high-touch', owner: 'csm-1', mrr: 8000, renewalDate: '2027-06-01' },
    ],
  });
  expect(res.status).toBe(200);
  await h.srv.drain();
}, 240_000);

afterAll(async () => {
  await h?.close();
});

function node(page: Page, id: string) {
  return page.locator(`.react-flow__node[data-id="${id}"]`);
}

/** Drags from a node's output handle to another node's input, as a user wires the graph. */
async function wire(page: Page, from: string, handle: string, to: string) {
  const s = await node(page, from).locator(`.react-flow__handle[data-handleid="${handle}"]`).boundingBox();
  const t = await node(page, to).locator('.react-flow__handle[data-handleid="in"]').boundingBox();
  if (!s || !t) throw new Error(`handle not visible: ${from}/${handle} -> ${to}`);
  await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
  await page.mouse.down();
  await page.mouse.move(t.x + t.width / 2, t.y + t.height / 2, { steps: 12 });
  await page.mouse.up();
}

/** Resolves once the canvas viewport has stopped moving (fit-view and focus animate it). */
async function viewportSettled(page: Page) {
  await page.waitForFunction(() => new Promise<boolean>((resolve) => {
    const vp = document.querySelector('.react-flow__viewport') as HTMLElement | null;
    let last = vp?.style.transform;
    let same = 0;
    const tick = () => {
      const t = vp?.style.transform;
      same = t === last ? same + 1 : 0;
      last = t;
      if (same >= 10) resolve(true); else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }));
}

async function tidy(page: Page) {
  await page.getByRole('button', { name: 'Tidy up' }).click();
  // the fit view starts 50 ms after the new layout renders, well inside the 10 still frames waited for
  await viewportSettled(page);
}

describe('building a playbook in the editor', () => {
  it('from an empty draft to a task in the owner\'s queue', async () => {
    const { page } = h;
    await h.signIn('admin@waymark.test');

    // 1. the library, then a new blank playbook
    await h.goto('/library');
    await page.getByRole('link', { name: 'Renewal in 90 days' }).waitFor();
    await h.shot('01-library');
    await page.getByRole('button', { name: 'New…' }).click();
    await page.getByLabel('Name').fill('Renewal within 60 days for tier-1');
    await h.shot('02-new-dialog');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL('**/definitions/renewal-within-60-days-for-tier-1');
    await node(page, 'trigger').waitFor();

    // 2. trigger: renewal date within the next 60 days
    await node(page, 'trigger').click();
    await page.getByLabel('Starts when').selectOption('condition');
    await page.getByRole('button', { name: '+ Condition' }).click();
    await page.getByLabel('Field').selectOption('renewalDate');
    await page.getByLabel('Operator').selectOption('within_next');
    await page.getByLabel('Days').fill('60');
    await h.shot('03-trigger');

    // 3. drag a condition, a task from the palette onto the canvas
    const pane = page.locator('.react-flow__pane');
    const box = (await pane.boundingBox())!;
    await page.locator('.wmd-palette-item', { hasText: 'Condition' }).dragTo(pane, { targetPosition: { x: box.width * 0.75, y: box.height * 0.3 } });
    await node(page, 'condition').waitFor();
    await page.getByLabel('Label').fill('Tier 1?');
    await page.getByRole('button', { name: '+ Condition' }).click();
    await page.getByLabel('Field').selectOption('tier');
    await page.getByLabel('Operator').selectOption('is');
    await page.getByLabel('Value').selectOption('tier-1');
    await h.shot('04-condition');

    await page.locator('.wmd-palette-item', { hasText: 'Task' }).dragTo(pane, { targetPosition: { x: box.width * 0.75, y: box.height * 0.7 } });
    await node(page, 'task').waitFor();
    await page.getByLabel('Label').fill('Renewal call');
    await page.getByLabel('Title *').fill('Renewal call: {{account.name}}');
    await page.getByLabel('Priority').selectOption('high');
    await page.getByLabel('Owner').selectOption('account-owner');
    await h.shot('05-task');

    // 4. wire trigger -> condition -(yes)-> task -> end, leaving "no" open
    await tidy(page);
    await wire(page, 'trigger', 'out', 'condition');
    await wire(page, 'condition', 'yes', 'task');
    await wire(page, 'task', 'out', 'end');
    await tidy(page);
    await page.getByRole('tab', { name: /Problems/ }).click();
    const missingNo = page.locator('.wmd-problem-msg', { hasText: 'condition node "condition" has no "no" branch' });
    await missingNo.waitFor();
    await expect.poll(() => node(page, 'condition').locator('.wmd-node').getAttribute('class')).toContain('wmd-invalid');
    expect(await page.getByRole('button', { name: 'Publish…' }).isDisabled()).toBe(true);
    expect(await page.locator('.wmd-tip-wrap').getAttribute('title')).toMatch(/Fix 1 error/);
    await h.shot('06-missing-no-branch');

    // clicking the problem focuses the node in the inspector
    await missingNo.click();
    await page.getByRole('heading', { name: /Condition/ }).waitFor();
    await viewportSettled(page);

    // 5. fix it: "no" ends the run
    await wire(page, 'condition', 'no', 'end');
    await page.getByRole('status').filter({ hasText: 'Valid' }).waitFor();
    expect(await page.getByRole('button', { name: 'Publish…' }).isDisabled()).toBe(false);
    await h.shot('07-valid');

    // 6. save the draft: the file is written with the graph and its layout
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Draft saved.').waitFor();
    const file = JSON.parse(fs.readFileSync(path.join(h.srv.playbooksDir, 'renewal-within-60-days-for-tier-1.json'), 'utf8'));
    expect(file.trigger).toEqual({ type: 'condition', when: { '<=': [0, { days_until: [{ var: 'renewalDate' }] }, 60] } });
    expect(file.nodes.find((n: { id: string }) => n.id === 'condition').when).toEqual({ '==': [{ var: 'tier' }, 'tier-1'] });
    expect(file.edges.map((e: { from: string; to: string; branch?: string }) => `${e.from}>${e.to}${e.branch ? ':' + e.branch : ''}`).sort())
      .toEqual(['condition>end:no', 'condition>task:yes', 'task>end', 'trigger>condition']);
    expect(Object.keys(file.layout.nodes).sort()).toEqual(['condition', 'end', 'task', 'trigger']);

    // 7. preview on one account: the path is highlighted with reasons
    await page.getByRole('tab', { name: 'Preview' }).click();
    await page.getByLabel('Account').fill('Acme');
    await page.getByRole('button', { name: /Acme Corp/ }).click();
    await page.getByRole('button', { name: 'Show its path' }).click();
    await page.locator('.wmd-path').waitFor();
    await expect.poll(() => page.locator('.wmd-onpath').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('.wmd-path').innerText()).toContain('Renewal call');
    expect(await node(page, 'condition').locator('.wmd-node-reason').count()).toBe(1);
    await h.shot('08-preview-account');

    // whole book: counts per node (Acme only reaches the task; Globex is tier-2)
    await page.getByRole('button', { name: 'Run on all accounts' }).click();
    await page.getByText(/task(s)? would be created/).waitFor();
    await h.shot('09-preview-book');
    expect(await node(page, 'task').locator('.wmd-count').innerText()).toBe('1');

    // 8. publish with a message
    await page.getByRole('button', { name: 'Clear preview' }).click();
    await page.getByRole('button', { name: 'Publish…' }).click();
    await page.getByLabel('What changed *').fill('First version: renewal call for tier-1 accounts 60 days out');
    await h.shot('10-publish-dialog');
    await page.getByRole('dialog').getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByText(/Version 1 is live/).waitFor();
    await page.getByText('live v1').waitFor();
    await h.shot('11-published');

    // history lists the version
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByText('First version: renewal call for tier-1 accounts 60 days out').waitFor();
    await h.shot('12-history');

    // 9. the worker runs; the account owner (csm-1) finds the task in the queue
    await h.srv.drain();
    const csm = await h.srv.login('csm@waymark.test');
    const queue = await csm.get('/api/tasks/queue?owner=me');
    expect(queue.status).toBe(200);
    const mine = (queue.body.items as { title: string; accountId: string; playbookId: string; priority: string }[])
      .filter((t) => t.playbookId === 'renewal-within-60-days-for-tier-1');
    expect(mine.map((t) => [t.title, t.accountId, t.priority])).toEqual([['Renewal call: Acme Corp', 'acme', 'high']]);

    await h.context.clearCookies();
    await h.signIn('csm@waymark.test');
    await h.goto('/queue');
    await page.getByText('Renewal call: Acme Corp').first().waitFor();
    await h.shot('13-owner-queue');

    expect(h.consoleErrors).toEqual([]);
  }, 180_000);
});

describe('the journey graph', () => {
  it('draws transitions back up the journey beside the stages, every condition label apart from the others', async () => {
    const page = h.page;
    await h.signIn('publisher@waymark.test');
    await h.goto('/definitions/lifecycle');
    await node(page, 'renewal').waitFor();
    await page.waitForTimeout(300); // React Flow measures the nodes, then draws the edges
    await h.shot('20-journey');
    const box = async (sel: string) => page.locator(sel).evaluateAll((els) => els.map((e) => {
      const r = e.getBoundingClientRect();
      return { x: r.x, y: r.y, right: r.right, bottom: r.bottom, id: e.closest('[data-id]')?.getAttribute('data-id') ?? '' };
    }));
    const nodes = await box('.react-flow__node');
    // Renewal -> Adoption and Expansion -> Renewal lead back up: they run to the right of both their stages.
    for (const [id, from, to] of [['renewed-adopting', 'renewal', 'adoption'], ['next-renewal', 'expansion', 'renewal']]) {
      const path = (await box(`.react-flow__edge[data-id="${id}"] path.react-flow__edge-path`))[0];
      const right = Math.max(...nodes.filter((n) => n.id === from || n.id === to).map((n) => n.right));
      expect({ id, beside: path.right > right }).toEqual({ id, beside: true });
    }
    // No two condition labels overlap.
    const labels = await box('.react-flow__edge-textwrapper');
    expect(labels.length).toBeGreaterThanOrEqual(5);
    const overlaps: string[] = [];
    labels.forEach((a, i) => labels.slice(i + 1).forEach((b, j) => {
      if (a.x < b.right && b.x < a.right && a.y < b.bottom && b.y < a.bottom) overlaps.push(`${i} and ${i + 1 + j}`);
    }));
    expect(overlaps).toEqual([]);
    expect(h.consoleErrors).toEqual([]);
  }, 60_000);
});
