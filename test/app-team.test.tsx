// @vitest-environment happy-dom
/**
 * The team view reads /api/analytics/team as the server sends it: per CSM open and overdue
 * tasks, accounts by health, and conversion per journey step; busiest (most overdue) first.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/react';
import { TeamPage } from '../editor/src/app/TeamPage.js';

// recharts measures its container; happy-dom has no layout, so give it a size.
class ResizeObserverStub { observe() {} unobserve() {} disconnect() {} }

const TEAM = {
  filter: {},
  members: [
    { id: 'csm-7', name: 'Aiko Tanaka', accounts: 2, mrr: 8250, health: { green: 1, yellow: 1, red: 0, unscored: 0 }, openTasks: 1, overdueTasks: 0,
      conversion: [{ from: 'onboarding', to: 'initial-value', entered: 2, converted: 1, rate: 0.5 }, { from: 'initial-value', to: 'adoption', entered: 0, converted: 0, rate: null }] },
    { id: 'csm-1', name: 'Maya Chen', accounts: 7, mrr: 60450, health: { green: 4, yellow: 2, red: 1, unscored: 0 }, openTasks: 7, overdueTasks: 6,
      conversion: [{ from: 'onboarding', to: 'initial-value', entered: 4, converted: 3, rate: 0.75 }, { from: 'initial-value', to: 'adoption', entered: 3, converted: 3, rate: 1 }] },
  ],
  queues: [
    { id: 'u-cs-manager', name: 'Dana Brooks', teamRole: 'cs-manager', openTasks: 2, overdueTasks: 1 },
    { id: 'u-support', name: 'Sam Ortiz', teamRole: 'support-manager', openTasks: 4, overdueTasks: 0 },
  ],
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Team view', () => {
  it('shows each CSM with workload, health mix and step conversion', async () => {
    vi.stubGlobal('ResizeObserver', ResizeObserverStub);
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(TEAM), { status: 200 })));
    render(<TeamPage />);
    const maya = (await screen.findAllByRole('row')).filter((r) => r.textContent?.startsWith('Maya Chen'));
    expect(maya).toHaveLength(2);
    const cells = within(maya[0]).getAllByRole('cell').map((c) => c.textContent);
    expect(cells).toEqual(['Maya Chen', '7', '6', '7', '4', '2', '1', '$60,450']);
    // Most overdue first.
    const first = screen.getAllByRole('row')[1];
    expect(first.textContent).toContain('Maya Chen');
    expect(screen.getByRole('columnheader', { name: 'Onboarding → Initial value' })).toBeTruthy();
    expect(within(maya[1]).getAllByRole('cell').map((c) => c.textContent)).toEqual(['Maya Chen', '75%', '100%']);
    const aiko = screen.getAllByRole('row').filter((r) => r.textContent?.startsWith('Aiko Tanaka'))[1];
    expect(within(aiko).getAllByRole('cell').map((c) => c.textContent)).toEqual(['Aiko Tanaka', '50%', '—']);
    expect(screen.getByText('Overdue tasks').parentElement?.textContent).toContain('6');
  });

  it('lists the queues of people outside the CSM team under the CSMs, and nothing when there are none', async () => {
    vi.stubGlobal('ResizeObserver', ResizeObserverStub);
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(TEAM), { status: 200 })));
    render(<TeamPage />);
    const heading = await screen.findByText('Other queues');
    const card = heading.closest('section')!;
    const rows = within(card).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell').map((c) => c.textContent));
    expect(rows).toEqual([['Dana Brooks', 'CS manager', '2', '1'], ['Sam Ortiz', 'Support manager', '4', '0']]);
    // Queue holders are not CSMs: the CSM count and the CSM table leave them out.
    expect(screen.getByText('CSMs').parentElement?.textContent).toContain('2');
    cleanup();

    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ ...TEAM, queues: [] }), { status: 200 })));
    render(<TeamPage />);
    await screen.findAllByText('Maya Chen');
    expect(screen.queryByText('Other queues')).toBeNull();
  });

  it('shows the server error with a retry', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { message: 'Missing role: viewer' } }), { status: 403 })));
    render(<TeamPage />);
    expect((await screen.findByRole('alert')).textContent).toContain('Missing role: viewer');
  });
});
