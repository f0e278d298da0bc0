/**
 * Display formatting: one readable date format, relative days that agree with the shown date
 * (calendar days, not 24-hour periods), labels with their abbreviations in capitals.
 */
import { describe, expect, it } from 'vitest';
import { arrows, daysUntil, formatDate, formatDateTime, formatFixed, formatMonth, formatWeek, humanize, relativeDays } from '../editor/src/app/format.js';
import { volumeRange } from '../editor/src/app/AnalyticsPage.js';

const NOW = Date.parse('2026-11-22T13:15:26.000Z');

describe('relative days', () => {
  it('counts calendar days, so the label agrees with the date beside it', () => {
    const label = (iso: string) => relativeDays(daysUntil(iso, NOW));
    expect(label('2026-11-22T00:00:00.000Z')).toBe('today'); // earlier today: overdue, but today
    expect(label('2026-11-22T23:00:00.000Z')).toBe('today');
    expect(label('2026-11-21T18:00:00.000Z')).toBe('yesterday');
    expect(label('2026-11-23T00:00:00.000Z')).toBe('tomorrow');
    expect(label('2026-11-24T00:00:00.000Z')).toBe('in 2 days');
    expect(label('2026-11-17T00:00:00.000Z')).toBe('5 days ago');
    expect(daysUntil('not a date', NOW)).toBeNull();
  });
});

describe('dates', () => {
  it('one format for dates, times, weeks and months', () => {
    expect(formatDate('2026-11-22T13:15:26.000Z')).toBe('22 Nov 2026');
    expect(formatDateTime('2026-11-22T13:15:26.000Z')).toBe('22 Nov 2026, 13:15');
    expect(formatWeek('2026-11-16')).toBe('Week of 16 Nov');
    expect(formatMonth('2025-12')).toBe('Dec 2025');
    expect(formatDate(null)).toBe('—');
  });

  it('the CTA volume range starts on a Monday: twelve full weeks and this week so far', () => {
    const r = volumeRange(NOW); // Sunday 22 Nov 2026
    expect(r.from).toBe('2026-08-24T00:00:00.000Z');
    expect(new Date(r.from).getUTCDay()).toBe(1);
    expect(r.currentWeek).toBe('2026-11-16');
    expect(r.to).toBe(new Date(NOW).toISOString());
  });
});

describe('labels', () => {
  it('writes abbreviations in capitals and arrows as arrows', () => {
    expect(humanize('csm')).toBe('CSM');
    expect(humanize('cs-manager')).toBe('CS manager');
    expect(humanize('cs-ops')).toBe('CS ops');
    expect(humanize('ivmReached')).toBe('IVM reached');
    expect(humanize('tier-1')).toBe('Tier 1');
    expect(arrows('Customer lifecycle: Adoption -> Renewal')).toBe('Customer lifecycle: Adoption → Renewal');
    expect(formatFixed(81, 1)).toBe('81.0');
    expect(formatFixed(245.66, 1)).toBe('245.7');
  });
});
