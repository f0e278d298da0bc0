// @vitest-environment happy-dom
/**
 * My queue as a CSM sees it: most urgent first (priority, then due date), overdue marked,
 * filters with counts that ask the server for the filtered queue, and bulk actions.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { QueuePage } from '../editor/src/app/QueuePage.js';
import { ToastProvider } from '../editor/src/app/ui.js';

const NOW = Date.parse('2026-11-22T09:00:00.000Z');

function task(id: string, priority: string, dueAt: string, extra: Record<string, unknown> = {}) {
  return {
    id, key: id, accountId: 'acc-' + id, playbookId: 'renewal-90-days', playbookVersion: 1, nodeId: 'n1', instanceId: null,
    title: 'Task ' + id, type: 'lifecycle', priority, owner: 'csm-1', status: 'open', flaggedRed: false,
    createdAt: '2026-11-01T00:00:00.000Z', updatedAt: '2026-11-01T00:00:00.000Z', dueAt, snoozedUntil: null,
    completedAt: null, closedReason: null, reasonText: 'Reason for ' + id,
    reason: { source: 'playbook', definitionId: 'renewal-90-days', version: 1, nodeId: 'n1', trigger: 'condition became true', values: {}, at: '2026-11-01T00:00:00.000Z' },
    steps: [], email: null,
    account: { id: 'acc-' + id, name: 'Account ' + id, tier: 'tier-1', mrr: 4200, renewalDate: '2027-02-14T00:00:00.000Z' },
    playbookName: 'Renewal in 90 days',
    ...extra,
  };
}

const ITEMS = [
  task('low-soon', 'low', '2026-11-23T00:00:00.000Z', { account: { id: 'acc-low-soon', name: 'Account low-soon', tier: 'tier-2', mrr: 900 } }),
  task('high-late', 'high', '2026-12-10T00:00:00.000Z', { type: 'risk' }),
  task('urgent', 'urgent', '2026-12-01T00:00:00.000Z', { type: 'risk' }),
  task('high-overdue', 'high', '2026-11-20T00:00:00.000Z'),
];
// The server's counts: before the type/priority/due filters.
const COUNTS = { total: 4, overdue: 1, today: 1, week: 2, flagged: 0, byType: { risk: 2, lifecycle: 2 }, byPriority: { urgent: 1, high: 2, low: 1 } };

let calls: { url: string; init?: RequestInit }[] = [];

function respond(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

beforeEach(() => {
  calls = [];
  window.history.replaceState(null, '', '/queue');
  vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    if (url.startsWith('/api/tasks/queue')) {
      const q = new URL(url, 'http://x').searchParams;
      const items = q.get('type') ? ITEMS.filter((t) => t.type === q.get('type')) : ITEMS;
      return respond({ items, total: items.length, counts: COUNTS });
    }
    if (url === '/api/tasks/bulk') return respond({ updated: 2 });
    return respond({ error: { message: 'not found' } }, 404);
  }));
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderQueue() {
  return render(<ToastProvider><QueuePage nowMs={NOW} /></ToastProvider>);
}

describe('My queue', () => {
  it('lists open tasks by priority, then due date, and marks overdue ones', async () => {
    renderQueue();
    const rows = await screen.findAllByTestId('queue-row');
    expect(rows.map((r) => r.getAttribute('data-task-id'))).toEqual(['urgent', 'high-overdue', 'high-late', 'low-soon']);
    expect(calls[0].url).toContain('owner=me');
    const overdue = rows[1];
    expect(overdue.className).toContain('wm-is-overdue');
    expect(within(overdue).getByText(/Overdue/)).toBeTruthy();
    expect(rows[0].className).not.toContain('wm-is-overdue');
    // Each row says which account, why, and which playbook.
    expect(within(rows[0]).getByText('Account urgent')).toBeTruthy();
    expect(within(rows[0]).getByText('Reason for urgent')).toBeTruthy();
    expect(within(rows[0]).getByText(/Renewal in 90 days/)).toBeTruthy();
    expect(screen.getByText(/4 open tasks · 1 overdue/)).toBeTruthy();
  });

  it('shows counts on the filters and asks the server for the filtered queue', async () => {
    renderQueue();
    await screen.findAllByTestId('queue-row');
    const typeGroup = screen.getByRole('group', { name: 'Type' });
    const risk = within(typeGroup).getByRole('button', { name: /Risk/ });
    expect(risk.textContent).toContain('2');
    expect(within(typeGroup).getByRole('button', { name: /Opportunity/ }).textContent).toContain('0');
    const tiers = screen.getByRole('group', { name: 'Tier' });
    await waitFor(() => expect(within(tiers).getByRole('button', { name: /Tier 1/ }).textContent).toContain('3'));
    expect(within(tiers).getByRole('button', { name: /Tier 2/ }).textContent).toContain('1');
    expect(within(screen.getByRole('group', { name: 'Due' })).getByRole('button', { name: /Overdue/ }).textContent).toContain('1');
    fireEvent.click(risk);
    await waitFor(() => expect(screen.getAllByTestId('queue-row')).toHaveLength(2));
    expect(calls.some((c) => c.url.includes('type=risk'))).toBe(true);
    expect(window.location.search).toBe('?type=risk');
    expect(risk.getAttribute('aria-pressed')).toBe('true');
  });

  it('completes the selected tasks in one bulk request', async () => {
    renderQueue();
    await screen.findAllByTestId('queue-row');
    fireEvent.click(screen.getByLabelText('Select Task urgent'));
    fireEvent.click(screen.getByLabelText('Select Task low-soon'));
    expect(screen.getByText('2 selected')).toBeTruthy();
    fireEvent.click(within(screen.getByRole('toolbar')).getByRole('button', { name: 'Complete' }));
    await waitFor(() => expect(calls.some((c) => c.url === '/api/tasks/bulk')).toBe(true));
    const bulk = calls.find((c) => c.url === '/api/tasks/bulk')!;
    expect(JSON.parse(String(bulk.init!.body))).toEqual({ ids: ['urgent', 'low-soon'], action: 'complete' });
  });

  it('says so when the queue is empty, and shows a server error with a retry', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => respond({ items: [], total: 0, counts: {} })));
    renderQueue();
    expect(await screen.findByText('Your queue is clear')).toBeTruthy();
    cleanup();
    vi.stubGlobal('fetch', vi.fn(async () => respond({ error: { message: 'The store is unavailable' } }, 503)));
    renderQueue();
    expect((await screen.findByRole('alert')).textContent).toContain('The store is unavailable');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
  it('labels due days by calendar date and counts each task in one due window', async () => {
    const items = [
      task('due-early-today', 'high', '2026-11-22T02:00:00.000Z'),
      task('due-late-today', 'high', '2026-11-22T18:00:00.000Z'),
      task('due-tomorrow', 'low', '2026-11-23T00:00:00.000Z'),
      task('due-in-two', 'low', '2026-11-24T00:00:00.000Z'),
    ];
    // The server's today window includes overdue tasks; the page must not show that.
    vi.stubGlobal('fetch', vi.fn(async () => respond({ items, total: items.length, counts: { ...COUNTS, overdue: 1, today: 2, week: 4 } })));
    renderQueue();
    const rows = await screen.findAllByTestId('queue-row');
    const text = (id: string) => rows.find((r) => r.getAttribute('data-task-id') === id)!.textContent;
    expect(text('due-early-today')).toMatch(/Overdue 22 Nov 2026\s*today/);
    expect(text('due-late-today')).toMatch(/Due 22 Nov 2026\s*today/);
    expect(text('due-tomorrow')).toMatch(/Due 23 Nov 2026\s*tomorrow/);
    expect(text('due-in-two')).toMatch(/Due 24 Nov 2026\s*in 2 days/);
    const due = screen.getByRole('group', { name: 'Due' });
    await waitFor(() => expect(within(due).getByRole('button', { name: /Overdue/ }).textContent).toBe('Overdue1'));
    expect(within(due).getByRole('button', { name: /Due today/ }).textContent).toBe('Due today1');
    expect(within(due).getByRole('button', { name: /Due this week/ }).textContent).toBe('Due this week3');
  });

  it('shows the filter counts as loading, not zeros, until the queue arrives', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => { release = r; });
    vi.stubGlobal('fetch', vi.fn(async () => { await gate; return respond({ items: ITEMS, total: ITEMS.length, counts: COUNTS }); }));
    renderQueue();
    const type = screen.getByRole('group', { name: 'Type' });
    const risk = within(type).getByRole('button', { name: /Risk/ });
    expect(risk.textContent).not.toMatch(/\d/);
    expect(within(risk).getByLabelText('counting')).toBeTruthy();
    release();
    await waitFor(() => expect(within(type).getByRole('button', { name: /Risk/ }).textContent).toBe('Risk2'));
  });
});
