/**
 * The CSM workspace and the leader's analytics in a real browser against the real server:
 * - a CSM's morning: sign in, open the queue, open a renewal task, tick its steps, log a call,
 *   complete it; it leaves the queue and the account's timeline shows the call;
 * - a leader's funnel check: the numbers on the analytics page equal /api/analytics/funnel,
 *   unfiltered and filtered by tier.
 * The book is a small fixture loaded through the bulk API and evaluated by the real worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserTest, type BrowserTest } from './harness.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-02T09:00:00.000Z');
const daysFromNow = (d: number) => new Date(NOW + d * DAY).toISOString();

/** Twelve accounts at different points of the lifecycle journey, most owned by Maya Chen (csm-1). */
function fixtureBook() {
  const accounts: Record<string, unknown>[] = [];
  const tiers = ['tier-1', 'tier-2', 'tier-3'];
  for (let i = 0; i < 12; i++) {
    const base: Record<string, unknown> = {
      id: `acc-${String(i + 1).padStart(2, '0')}`,
      name: ['Acme Analytics', 'Birch Health', 'Cobalt Labs', 'Delta Freight', 'Ember Retail', 'Fjord Energy', 'Garnet Bank', 'Harbor Media', 'Iris Travel', 'Jade Insurance', 'Kite Systems', 'Lumen Pharma'][i],
      tier: tiers[i % 3],
      segment: i % 2 ? 'low-touch' : 'high-touch',
      owner: i < 6 ? 'csm-1' : 'csm-2',
      mrr: 1000 + i * 500,
      renewalDate: daysFromNow(i === 0 ? 60 : 200 + i * 10),
      contractStartDate: daysFromNow(-300),
      licensesPurchased: 100,
      licensesDeployed: 60 + i * 3,
      lastCsmUpdateAt: daysFromNow(-1),
      primaryContactName: 'Robin Park',
      primaryContactEmail: `robin@${i}.example`,
    };
    // Some accounts have reached initial value and beyond; the rest are still onboarding.
    if (i % 3 !== 2) Object.assign(base, { usageGreenSince: daysFromNow(-30), featuresUsed: 6 });
    if (i % 3 === 0) Object.assign(base, { adminSelfSufficient: true, deploymentDocumented: true });
    accounts.push(base);
  }
  return accounts;
}

let h: BrowserTest;
/** expect.poll gives up after 1 s by default; pages that load several resources get longer. */
const WAIT = { timeout: 15_000 };

beforeAll(async () => {
  h = await startBrowserTest('workspace');
  const admin = await h.srv.login('admin@waymark.test');
  const res = await admin.post('/api/accounts/bulk', { accounts: fixtureBook() });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.rejected).toEqual([]);
  await h.srv.drain();
});

afterAll(async () => {
  await h?.close();
});

describe('CSM workspace in the browser', () => {
  it("a CSM's morning: works a renewal task from the queue to done", async () => {
    const { page } = h;
    const csm = await h.srv.login('csm@waymark.test');
    const queue = await csm.get('/api/tasks/queue?owner=me');
    const renewal = queue.body.items.find((t: { playbookId: string; accountId: string }) => t.playbookId === 'renewal-90-days' && t.accountId === 'acc-01');
    expect(renewal, 'the renewal playbook raised a task for Acme Analytics').toBeTruthy();
    expect(renewal.steps.length).toBeGreaterThan(0);

    // The next morning: the book was loaded and evaluated overnight.
    await h.advanceClock({ hours: 15 });
    await h.signIn('csm@waymark.test');
    await page.waitForURL('**/queue');
    const row = page.locator(`[data-testid=queue-row][data-task-id="${renewal.id}"]`);
    await row.waitFor();
    await expect.poll(() => page.locator('[data-testid=queue-row]').count(), WAIT).toBe(queue.body.items.length);
    expect(await row.textContent()).toContain(renewal.reasonText);
    await h.shot('01-queue');

    await row.getByRole('link', { name: renewal.title }).click();
    await page.waitForURL(`**/tasks/${renewal.id}`);
    await page.getByRole('heading', { name: 'Why this task' }).waitFor();
    // The email draft is rendered with the account's data, in a sandboxed frame.
    const frame = page.frameLocator('iframe[title="Email draft"]');
    await expect.poll(() => frame.locator('body').textContent(), WAIT).toContain('Robin Park');
    expect(await page.locator('iframe[title="Email draft"]').getAttribute('sandbox')).toBe('');
    await h.shot('02-task');

    const boxes = page.locator('.wm-checklist input[type=checkbox]');
    const n = await boxes.count();
    expect(n).toBe(renewal.steps.length);
    for (let i = 0; i < n; i++) {
      await boxes.nth(i).check();
      await expect.poll(() => boxes.nth(i).isChecked(), WAIT).toBe(true);
      await expect.poll(() => boxes.nth(i).isEnabled(), WAIT).toBe(true);
    }
    await page.getByRole('heading', { name: `Checklist (${n} of ${n} done)` }).waitFor();

    const form = page.getByRole('form', { name: 'Log an activity' });
    await form.getByLabel('Kind').selectOption('call');
    await form.getByLabel('Summary').fill('Renewal call with Robin: happy, wants a quote for 20 more seats');
    await form.getByRole('button', { name: 'Log activity' }).click();
    await page.locator('.wm-timeline li[data-subtype=call]', { hasText: 'wants a quote for 20 more seats' }).waitFor();
    await h.shot('03-steps-and-call');

    await page.getByRole('button', { name: 'Complete', exact: true }).click();
    await page.waitForURL('**/queue');
    await page.locator('[data-testid=queue-row]').first().waitFor();
    expect(await page.locator(`[data-testid=queue-row][data-task-id="${renewal.id}"]`).count()).toBe(0);
    await h.shot('04-queue-after');

    const done = await csm.get(`/api/tasks/${renewal.id}`);
    expect(done.body.task.status).toBe('done');
    expect(done.body.task.steps.every((s: { done: boolean }) => s.done)).toBe(true);

    await h.goto('/accounts/acc-01');
    const call = page.locator('.wm-timeline li[data-kind=activity][data-subtype=call]');
    await call.waitFor();
    expect(await call.textContent()).toContain('wants a quote for 20 more seats');
    expect(await page.locator('.wm-timeline li', { hasText: `Task completed: ${renewal.title}` }).count()).toBe(1);
    await h.shot('05-account');
    expect(h.consoleErrors).toEqual([]);
  });

  it("a leader's funnel check: the analytics page shows the API's funnel numbers", async () => {
    const { page } = h;
    const admin = await h.srv.login('admin@waymark.test');
    await h.signIn('admin@waymark.test');
    await h.goto('/analytics');

    type Stage = { id: string; name: string; now: number; entered: number; conversion: number | null; medianDays: number | null; targetDays: number | null };
    const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(0)}%`);
    const num = (v: number | null) => (v === null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: 1 }));

    async function compare(query: string) {
      const api = await admin.get(`/api/analytics/funnel?journey=lifecycle${query}`);
      expect(api.status).toBe(200);
      const stages: Stage[] = api.body.stages;
      expect(stages.length).toBeGreaterThan(1);
      const table = page.getByTestId('funnel-table');
      await expect.poll(async () => {
        const cells = await table.locator('tbody td[data-col=entered]').allTextContents();
        return cells.join('|');
      }, WAIT).toBe(stages.map((s) => num(s.entered)).join('|'));
      for (const s of stages) {
        const tr = table.locator(`tbody tr[data-stage="${s.id}"]`);
        expect(await tr.locator('td').first().textContent()).toBe(s.name);
        expect(await tr.locator('td[data-col=current]').textContent()).toBe(num(s.now));
        expect(await tr.locator('td[data-col=entered]').textContent()).toBe(num(s.entered));
        expect(await tr.locator('td[data-col=conversion]').textContent()).toBe(pct(s.conversion));
        // Median days always with one decimal, so the column reads evenly.
        expect(await tr.locator('td[data-col=medianDays]').textContent()).toBe(s.medianDays === null ? '—' : s.medianDays.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }));
        expect(await tr.locator('td[data-col=targetDays]').textContent()).toBe(num(s.targetDays));
      }
      return stages;
    }

    const all = await compare('');
    // The fixture moved accounts along: the funnel is not all zeros.
    expect(all.reduce((t, s) => t + s.entered, 0)).toBeGreaterThan(12);
    await h.shot('06-analytics');

    await page.getByLabel('Tier').selectOption('tier-1');
    await page.waitForURL(/tier=tier-1/);
    const tier1 = await compare('&tier=tier-1');
    expect(tier1[0].entered).toBe(4);
    await h.shot('07-analytics-tier-1');
    expect(h.consoleErrors).toEqual([]);
  });

  it('a CSM triages: flags a task red, reassigns one, bulk-snoozes two from the queue', async () => {
    const { page } = h;
    const csm = await h.srv.login('csm@waymark.test');
    const before = (await csm.get('/api/tasks/queue?owner=me')).body.items as { id: string; title: string; type: string }[];
    expect(before.length).toBeGreaterThan(4);
    const [toFlag, toReassign, ...rest] = before;
    const toSnooze = rest.slice(0, 2);

    await h.signIn('csm@waymark.test');
    await h.goto(`/tasks/${toFlag.id}`);
    await page.getByRole('button', { name: /Flag red/ }).click();
    await page.getByRole('button', { name: /Flagged red/ }).waitFor();
    expect(await page.getByRole('button', { name: /Flagged red/ }).getAttribute('aria-pressed')).toBe('true');
    expect((await csm.get(`/api/tasks/${toFlag.id}`)).body.task.flaggedRed).toBe(true);

    await h.goto(`/tasks/${toReassign.id}`);
    await page.getByRole('button', { name: 'Reassign…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reassign task' });
    await dialog.getByLabel('New owner').selectOption({ label: 'Daniel Okafor — CSM' });
    await h.shot('08-reassign');
    await dialog.getByRole('button', { name: 'Reassign' }).click();
    await page.getByText('Reassigned to Daniel Okafor').waitFor();
    expect((await csm.get(`/api/tasks/${toReassign.id}`)).body.task.owner).toBe('csm-2');

    await page.getByRole('link', { name: 'My queue', exact: true }).click();
    await page.waitForURL('**/queue');
    const flagged = page.locator(`[data-testid=queue-row][data-task-id="${toFlag.id}"]`);
    await flagged.waitFor();
    expect(await flagged.textContent()).toContain('Flagged');
    expect(await page.locator(`[data-testid=queue-row][data-task-id="${toReassign.id}"]`).count()).toBe(0);

    for (const t of toSnooze) await page.getByLabel(`Select ${t.title}`).check();
    await page.getByRole('toolbar', { name: 'Bulk actions' }).getByRole('button', { name: 'Snooze…' }).click();
    const snooze = page.getByRole('dialog', { name: 'Snooze 2 tasks' });
    await snooze.getByRole('button', { name: '7 days' }).click();
    await h.shot('09-snooze');
    await snooze.getByRole('button', { name: 'Snooze', exact: true }).click();
    await page.getByText(/Snoozed 2 tasks until/).waitFor();
    await expect.poll(() => page.locator('[data-testid=queue-row]').count(), WAIT).toBe(before.length - 3);
    for (const t of toSnooze) {
      const task = (await csm.get(`/api/tasks/${t.id}`)).body.task;
      expect(task.snoozedUntil).toBe('2026-11-10T08:00:00.000Z');
    }
    await h.shot('10-queue-triaged');
    expect(h.consoleErrors).toEqual([]);
  });

  it('a leader previews the journey on an onboarding account: where it stays and what it needs to move on', async () => {
    const { page } = h;
    await h.signIn('admin@waymark.test');
    await h.goto('/definitions/lifecycle');
    await page.getByRole('tab', { name: 'Preview' }).click();
    await page.getByLabel('Account').fill('Cobalt');
    await page.getByRole('button', { name: /Cobalt Labs/ }).click();
    await page.getByRole('button', { name: 'Show its path' }).click();
    const why = page.getByLabel('Why Cobalt Labs stays');
    await why.waitFor();
    const text = await why.innerText();
    expect(text).toContain('Stays in Onboarding.');
    expect(await page.locator('.wmd-preview-banner').innerText()).toContain('it stays in Onboarding');
    expect(await page.locator('.wmd-onpath').count()).toBe(1);
    expect(text).toMatch(/To Initial value: the transition needs .*Features used/);
    // The values the blocking rule read, under their dictionary labels (Cobalt has no usage data yet).
    expect(await page.getByLabel('Values of Cobalt Labs').innerText()).toMatch(/Features used: not set/);
    await h.shot('11-journey-preview');
    expect(h.consoleErrors).toEqual([]);
  });

  it('a new teammate changes the password they were given from the user menu', async () => {
    const { page } = h;
    const admin = await h.srv.login('admin@waymark.test');
    expect((await admin.post('/api/users', { id: 'nina', name: 'Nina Park', email: 'nina@example.test', password: 'given-by-admin-1', roles: ['viewer'] })).status).toBe(201);
    await h.signIn('nina@example.test', 'given-by-admin-1');
    await page.getByRole('button', { name: /Nina Park/ }).click();
    await page.getByRole('menuitem', { name: 'Change password' }).click();
    const dialog = page.getByRole('dialog', { name: 'Change password' });
    await dialog.getByLabel('Current password').fill('wrong-password');
    await dialog.getByLabel(/^New password \(/).fill('my-own-password-2');
    await dialog.getByLabel('New password again').fill('my-own-password-2');
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await dialog.getByText('That is not your current password.').waitFor();
    await h.shot('12-password-wrong');
    await dialog.getByLabel('Current password').fill('given-by-admin-1');
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed').waitFor();
    expect(await dialog.isVisible()).toBe(false);
    // The new password is the one that works now.
    expect((await h.srv.anon().post('/api/auth/login', { email: 'nina@example.test', password: 'given-by-admin-1' })).status).toBe(401);
    await h.signIn('nina@example.test', 'my-own-password-2');
    // The browser logs the wrong password's 400 response; it was expected, so later tests do not see it.
    const expected = (e: string) => /status of 400/.test(e) && e.includes('/api/auth/password');
    expect(h.consoleErrors.filter((e) => !expected(e))).toEqual([]);
    h.consoleErrors.splice(0, h.consoleErrors.length, ...h.consoleErrors.filter((e) => !expected(e)));
  });

  it('a viewer reads accounts and analytics but has no queue and no task actions', async () => {
    const { page } = h;
    await h.signIn('viewer@waymark.test');
    await page.waitForURL('**/accounts');
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Accounts', 'Team', 'Analytics', 'Playbooks']);
    await page.locator('table tbody tr').first().waitFor();
    const csm = await h.srv.login('csm@waymark.test');
    const task = (await csm.get('/api/tasks/queue?owner=me')).body.items[0];
    await h.goto(`/tasks/${task.id}`);
    await page.getByRole('heading', { name: 'Why this task' }).waitFor();
    expect(await page.getByRole('button', { name: 'Complete', exact: true }).count()).toBe(0);
    expect(await page.locator('.wm-checklist input:not([disabled])').count()).toBe(0);
    expect(await page.getByRole('form', { name: 'Log an activity' }).count()).toBe(0);
    await h.shot('13-viewer-task');
    expect(h.consoleErrors).toEqual([]);
  });
});
