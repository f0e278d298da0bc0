// @vitest-environment happy-dom
/**
 * The tier and segment pickers: a value in the address that the data dictionary does not have
 * (an old link, a typo such as /analytics?tier=xx) shows as what filters the page, instead of the
 * picker saying "All tiers" over a page of zeros.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { TierSegmentFilters } from '../editor/src/app/DictionaryFilters.js';

const respond = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });

beforeEach(() => {
  vi.stubGlobal('fetch', vi.fn(async () => respond({ fields: [
    { name: 'tier', type: 'enum', label: 'Tier', values: ['tier-1', 'tier-2'] },
    { name: 'segment', type: 'enum', label: 'Segment', values: ['high-touch', 'low-touch'] },
  ] })));
});
afterEach(() => { cleanup(); vi.unstubAllGlobals(); });

describe('tier and segment pickers', () => {
  it('show an unknown value from the address as the filter in force, and known ones as usual', async () => {
    render(<TierSegmentFilters tier="xx" segment="low-touch" onChange={() => {}} />);
    const tier = screen.getByLabelText('Tier') as HTMLSelectElement;
    const segment = screen.getByLabelText('Segment') as HTMLSelectElement;
    await waitFor(() => expect(segment.options.length).toBe(3));
    expect(tier.value).toBe('xx');
    expect(tier.selectedOptions[0].textContent).toBe('xx (not a tier in the dictionary)');
    expect([...tier.options].map((o) => o.value)).toEqual(['', 'xx', 'tier-1', 'tier-2']);
    expect(segment.value).toBe('low-touch');
    expect([...segment.options].map((o) => o.value)).toEqual(['', 'high-touch', 'low-touch']);
  });
});
