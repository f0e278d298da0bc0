// @vitest-environment happy-dom
/**
 * The accounts list marks churned customers (a "Churned" badge, the row dimmed, no red renewal
 * warning) and the header says how many of the accounts shown are churned, so a CSM's count here
 * can be squared with the Team page, which leaves churned accounts out.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { AccountsPage } from '../editor/src/app/AccountsPage.js';
import { AuthContext, type Me } from '../editor/src/app/auth.js';

const USER: Me = { id: 'csm-1', name: 'Maya Chen', email: 'csm@waymark.test', roles: ['csm'] };
const respond = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const soon = new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10);
const row = (id: string, extra: Record<string, unknown> = {}) => ({
  id, name: id, fields: { name: id, owner: 'csm-1', tier: 'tier-1', mrr: 1000, renewalDate: soon, ...extra }, tags: [], flags: {},
  health: { score: 20, color: 'red' }, journeys: { lifecycle: { stage: 'renewal' } },
});
let total = 3;
let requested: string[] = [];
let churnedTotal = 2;

beforeEach(() => {
  total = 3;
  churnedTotal = 2;
  window.history.replaceState(null, '', '/accounts?owner=csm-1&show=all');
  requested = [];
  vi.stubGlobal('fetch', vi.fn(async (url: string) => {
    if (url.startsWith('/api/accounts')) {
      // The churned count the "all" view asks for (limit 1): how many of all the matches churned.
      if (url.endsWith('churned=true&limit=1')) return respond({ items: [], total: churnedTotal });
      requested.push(url);
      return respond({ items: [row('Live Co'), row('Gone Co', { churned: true }), row('Left Co', { churnedAt: '2026-10-01' })], total });
    }
    if (url === '/api/users') return respond({ items: [{ id: 'csm-1', name: 'Maya Chen', roles: ['csm'] }] });
    if (url === '/api/fields') return respond({ fields: [] });
    return respond({ error: { message: 'not found' } }, 404);
  }));
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderPage() {
  render(<AuthContext.Provider value={{ user: USER, signOut: async () => {} }}><AccountsPage /></AuthContext.Provider>);
}

describe('churned accounts in the list', () => {
  it('badges and dims churned rows and counts them in the header', async () => {
    renderPage();
    await screen.findByText('3 accounts match (2 churned)');
    const rowOf = (name: string) => screen.getByRole('link', { name }).closest('tr')!;
    expect(within(rowOf('Gone Co')).getByText('Churned')).toBeTruthy();
    expect(within(rowOf('Left Co')).getByText('Churned')).toBeTruthy();
    expect(within(rowOf('Live Co')).queryByText('Churned')).toBeNull();
    expect(rowOf('Gone Co').className).toContain('wm-row-churned');
    expect(rowOf('Live Co').className).not.toContain('wm-row-churned');
    // A churned account's past renewal is not flagged as urgent.
    expect(within(rowOf('Gone Co')).getByText('5 days ago').className).not.toContain('wm-overdue');
  });

  it('counts every churned match, not only the page\'s, when the list has more pages', async () => {
    total = 86;
    churnedTotal = 7;
    renderPage();
    await screen.findByText('86 accounts match (7 churned)');
  });
});

describe('which customers, in which order', () => {
  it('shows live customers by default (as the Team page counts them), and churned or all on request, sorted as chosen', async () => {
    window.history.replaceState(null, '', '/accounts?owner=csm-1');
    total = 79;
    renderPage();
    await screen.findByText('79 live accounts match');
    const last = () => Object.fromEntries(new URL(requested.at(-1)!, 'http://x').searchParams);
    expect(last()).toEqual({ owner: 'csm-1', churned: 'false', limit: '50' });
    fireEvent.change(screen.getByLabelText('Sort by'), { target: { value: 'renewal' } });
    await waitFor(() => expect(last()).toEqual({ owner: 'csm-1', churned: 'false', sort: 'renewal', limit: '50' }));
    fireEvent.change(screen.getByLabelText('Customers'), { target: { value: 'churned' } });
    await waitFor(() => expect(last()).toEqual({ owner: 'csm-1', churned: 'true', sort: 'renewal', limit: '50' }));
    await screen.findByText('79 churned accounts match');
    fireEvent.change(screen.getByLabelText('Customers'), { target: { value: 'all' } });
    await waitFor(() => expect(last()).toEqual({ owner: 'csm-1', sort: 'renewal', limit: '50' }));
  });
});
