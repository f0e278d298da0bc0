// @vitest-environment happy-dom
/** The library page: what each row tells a CS leader, filtering by kind, and its empty and error states. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { LibraryPage } from '../editor/src/designer/LibraryPage.js';
import type { DefinitionSummary } from '../editor/src/designer/designer-api.js';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const item = (over: Partial<DefinitionSummary>): DefinitionSummary => ({
  id: 'x', kind: 'playbook', name: 'X', triggerSummary: '', status: 'draft', liveVersion: null, draftChanged: true,
  updatedAt: '2026-11-02T09:00:00.000Z', problems: { errors: 0, warnings: 0 }, archived: false, ...over,
});

function serve(items: DefinitionSummary[] | null, status = 200) {
  const fetchMock = vi.fn(async () => new Response(JSON.stringify(items ? { items } : { error: { message: 'The library is unavailable' } }), { status }));
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

describe('library page', () => {
  it('lists kind, trigger, live/draft state and checks; filters by kind', async () => {
    serve([
      item({ id: 'renewal-90-days', name: 'Renewal in 90 days', triggerSummary: 'When renewal date within 90 days becomes true', status: 'live', liveVersion: 3, draftChanged: true, problems: { errors: 0, warnings: 1 } }),
      item({ id: 'broken', name: 'Broken draft', problems: { errors: 2, warnings: 0 } }),
      item({ id: 'lifecycle', kind: 'journey', name: 'Customer lifecycle', triggerSummary: '5 stages', status: 'live', liveVersion: 1, draftChanged: false }),
      item({ id: 'old', name: 'Old playbook', archived: true }),
    ]);
    render(<LibraryPage />);
    const renewal = (await screen.findByRole('link', { name: 'Renewal in 90 days' })).closest('tr')!;
    expect(within(renewal).getByText('Live v3')).toBeTruthy();
    expect(within(renewal).getByText('unpublished changes')).toBeTruthy();
    expect(within(renewal).getByText('1 warning')).toBeTruthy();
    expect(within(renewal).getByText(/renewal date within 90 days/)).toBeTruthy();
    const broken = screen.getByRole('link', { name: 'Broken draft' }).closest('tr')!;
    expect(within(broken).getByText('Draft')).toBeTruthy();
    expect(within(broken).getByText('2 errors')).toBeTruthy();
    expect(screen.queryByText('Old playbook')).toBeNull(); // archived is hidden by default

    fireEvent.click(screen.getByRole('tab', { name: /Journeys/ }));
    expect(screen.getByRole('link', { name: 'Customer lifecycle' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Renewal in 90 days' })).toBeNull();

    fireEvent.click(screen.getByRole('tab', { name: /All/ }));
    fireEvent.click(screen.getByLabelText('Show archived'));
    expect(screen.getByRole('link', { name: 'Old playbook' }).closest('tr')!.textContent).toContain('Archived');
  });

  it('says when the library is empty', async () => {
    serve([]);
    render(<LibraryPage />);
    expect(await screen.findByText('The library is empty.')).toBeTruthy();
  });

  it('shows the server error with a way to try again', async () => {
    const fetchMock = serve(null, 500);
    render(<LibraryPage />);
    expect((await screen.findByRole('alert')).textContent).toContain('The library is unavailable');
    serve([item({ id: 'a', name: 'Back again' })]);
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('link', { name: 'Back again' })).toBeTruthy();
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});
