// @vitest-environment happy-dom
/**
 * An account's timeline beyond its newest 100 entries: the page says how many there are and
 * loads older ones on request, newest first, without repeating an entry; a failed load says so.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { AccountPage } from '../editor/src/app/AccountPage.js';
import { AuthContext, type Me } from '../editor/src/app/auth.js';

const USER: Me = { id: 'csm-1', name: 'Maya Chen', email: 'csm@waymark.test', roles: ['csm'] };
const TOTAL = 130;

/** Entry i is i days older than the newest. */
function entry(i: number) {
  return { id: `t${i}`, accountId: 'acme', at: new Date(Date.UTC(2026, 10, 22) - i * 86_400_000).toISOString(), kind: 'activity', subtype: 'note', text: `Note number ${i}` };
}
const ALL = Array.from({ length: TOTAL }, (_, i) => entry(i));

let failOlder = false;
let timelineCalls: string[] = [];
const respond = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

beforeEach(() => {
  failOlder = false;
  timelineCalls = [];
  window.history.replaceState(null, '', '/accounts/acme');
  vi.stubGlobal('fetch', vi.fn(async (url: string) => {
    if (url === '/api/accounts/acme') {
      return respond({
        account: { id: 'acme', fields: { name: 'Acme', owner: 'csm-1', tier: 'tier-1', segment: 'high-touch' }, tags: [], flags: {} },
        state: null, health: null, healthHistory: [], openTasks: [], pastTasks: [], instances: [],
        timeline: ALL.slice(0, 100), timelineTotal: TOTAL,
      });
    }
    if (url.startsWith('/api/accounts/acme/timeline')) {
      timelineCalls.push(url);
      if (failOlder) return respond({ error: { message: 'The store is unavailable' } }, 503);
      const q = new URL(url, 'http://x').searchParams;
      const offset = Number(q.get('offset')), limit = Number(q.get('limit'));
      return respond({ items: ALL.slice(offset, offset + limit), total: TOTAL });
    }
    if (url === '/api/users') return respond({ items: [{ id: 'csm-1', name: 'Maya Chen' }] });
    if (url === '/api/fields') return respond({ fields: [] });
    return respond({ error: { message: 'not found' } }, 404);
  }));
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderPage() {
  render(<AuthContext.Provider value={{ user: USER, signOut: async () => {} }}><AccountPage id="acme" /></AuthContext.Provider>);
}

describe('older timeline entries', () => {
  it('loads the entries after the newest 100 on request', async () => {
    renderPage();
    await screen.findByText('Showing the newest 100 of 130 entries.');
    screen.getByRole('button', { name: 'Show 25 more (75 not shown)' });
    fireEvent.click(screen.getByRole('button', { name: 'Load older entries' }));
    await waitFor(() => expect(screen.queryByText(/Showing the newest/)).toBeNull());
    expect(timelineCalls).toEqual(['/api/accounts/acme/timeline?limit=100&offset=100']);
    // All 130 are now in the timeline (the list shows them page by page, newest first).
    screen.getByRole('button', { name: 'Show 25 more (105 not shown)' });
  });

  it('says when older entries could not be loaded, and lets the user try again', async () => {
    failOlder = true;
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: 'Load older entries' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Could not load older entries');
    failOlder = false;
    fireEvent.click(screen.getByRole('button', { name: 'Load older entries' }));
    await waitFor(() => expect(screen.queryByText(/Showing the newest/)).toBeNull());
  });
});
