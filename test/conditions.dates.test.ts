import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseDateMs, parseDateInto, daysSince, daysUntil, civilFromDays, DAY_MS } from '../engine/conditions/dates.js';

/** The obvious implementation (regex + Date.UTC), kept as the reference for the fast parser. */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
function reference(value: string): number | null {
  const m = ISO.exec(value);
  if (m === null) return null;
  const [year, month, day] = [+m[1], +m[2], +m[3]];
  const [hour, minute, second] = [m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0];
  const ms = m[7] ? +(m[7] + '00').slice(0, 3) : 0;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  if (date.getUTCDate() !== day) return null;
  let offset = 0;
  if (m[8] && m[8] !== 'Z') {
    const digits = m[8].slice(1).replace(':', '');
    const [oh, om] = [+digits.slice(0, 2), +digits.slice(2, 4)];
    if (oh > 23 || om > 59) return null;
    offset = (m[8][0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return date.getTime() - offset;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

describe('parseDateMs', () => {
  it('reads ISO dates and date-times in UTC, with offsets', () => {
    expect(parseDateMs('2027-02-14')).toBe(Date.UTC(2027, 1, 14));
    expect(parseDateMs('2026-11-22T09:30:00.000Z')).toBe(Date.UTC(2026, 10, 22, 9, 30));
    expect(parseDateMs('2026-11-22T09:30')).toBe(Date.UTC(2026, 10, 22, 9, 30));
    expect(parseDateMs('2026-11-22T09:30:15.5+02:00')).toBe(Date.UTC(2026, 10, 22, 7, 30, 15, 500));
    expect(parseDateMs('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(parseDateMs(1_802_563_200_000)).toBe(1_802_563_200_000);
  });

  it('rejects what is not an ISO date, never guessing a time zone', () => {
    for (const bad of ['2023-02-29', '2026-13-01', '2026-11-31', '2026-11-22T24:00', '2026-11-22Z', '11/22/2026', 'Nov 22 2026', '', '2026-11-22T09:30:00.Z', '2026-11-22T09:30+2', null, undefined, NaN, {}, true]) {
      expect(parseDateMs(bad), String(bad)).toBeNull();
    }
  });

  it('agrees with a regex + Date.UTC reference on generated strings', () => {
    const part = (max: number, w = 2) => fc.integer({ min: 0, max }).map((n) => pad(n, w));
    const text = fc.tuple(
      fc.integer({ min: 1000, max: 9999 }).map((n) => pad(n, 4)), part(13), part(32),
      fc.option(fc.tuple(fc.constantFrom('T', ' '), part(25), part(61), fc.option(part(61)), fc.option(fc.string({ unit: fc.constantFrom('0', '1', '5', '9'), minLength: 0, maxLength: 10 })), fc.option(fc.constantFrom('Z', '+02:00', '-0530', '+24:00', '-23:59', '+1'))), { nil: null }),
    ).map(([y, mo, d, t]) => {
      let s = `${y}-${mo}-${d}`;
      if (t) {
        const [sep, h, mi, sec, frac, zone] = t;
        s += `${sep}${h}:${mi}`;
        if (sec !== null) {
          s += `:${sec}`;
          if (frac !== null) s += `.${frac}`;
        }
        if (zone !== null) s += zone;
      }
      return s;
    });
    fc.assert(fc.property(text, (s) => parseDateMs(s) === reference(s)), { numRuns: 20_000, seed: 11 });
  });

  it('agrees with the reference on the toISOString shape it reads on a fast path, valid or not', () => {
    // "YYYY-MM-DDTHH:MM:SS.sssZ" around the fast path's year range (1900-2199), with any one
    // character replaced by a digit, a separator or a letter.
    const base = fc.tuple(fc.integer({ min: 1890, max: 2210 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 999 }))
      .map(([y, mo, d, h, mi, sec, ms]) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(sec, 2)}.${pad(ms, 3)}Z`);
    const text = fc.tuple(base, fc.option(fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom('0', '9', '/', ':', '-', 'T', ' ', '.', 'Z', 'a', '\u00e9')), { nil: null }))
      .map(([s, edit]) => (edit === null ? s : s.slice(0, edit[0]) + edit[1] + s.slice(edit[0] + 1)));
    fc.assert(fc.property(text, (s) => parseDateMs(s) === reference(s)), { numRuns: 20_000, seed: 12 });
    for (const s of ['1900-01-01T00:00:00.000Z', '2199-12-31T23:59:59.999Z', '2024-02-29T12:00:00.000Z', '2100-02-29T12:00:00.000Z', '1899-12-31T23:59:59.999Z', '2200-01-01T00:00:00.000Z']) {
      expect(parseDateMs(s), s).toBe(reference(s));
    }
  });

  it('parseDateInto gives parseDateMs\'s instant of a text as whole days and ms into the day, or false', () => {
    const iso = fc.tuple(fc.integer({ min: -200_000, max: 200_000 }), fc.integer({ min: 0, max: 86_399_999 })).map(([d, ms]) => new Date(d * DAY_MS + ms).toISOString());
    const edited = fc.tuple(iso, fc.integer({ min: 0, max: 23 }), fc.constantFrom('0', '9', ':', '-', 'T', '.', 'Z', 'a'))
      .map(([s, i, c]) => s.slice(0, i) + c + s.slice(i + 1));
    const other = fc.oneof(
      fc.constantFrom('2027-02-14', '2026-11-22T09:30', '2026-11-22T09:30:15.5+02:00', '2026-11-22T00:10:00-05:00', '0000-01-01T00:00:00+23:59', '9999-12-31T23:59:59.999-23:59', '1899-12-31T23:59:59.999Z', '', 'soon'),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(fc.property(fc.oneof(iso, edited, other), (value) => {
      const out: unknown[] = ['before', 'x', 'y', 'after'];
      const ms = parseDateMs(value);
      const ok = parseDateInto(value, out, 1);
      expect(ok).toBe(ms !== null);
      expect(out[0]).toBe('before');
      expect(out[3]).toBe('after');
      if (ok) {
        const [day, rest] = [out[1] as number, out[2] as number];
        expect(Number.isInteger(day) && rest >= 0 && rest < DAY_MS).toBe(true);
        expect(day * DAY_MS + rest).toBe(ms);
      }
    }), { numRuns: 20_000, seed: 13 });
  });

  it('counts whole days with floor, null for no date', () => {
    const now = Date.UTC(2026, 10, 22, 9);
    expect(daysSince('2026-11-21T10:00:00Z', now)).toBe(0);
    expect(daysSince('2026-11-21T09:00:00Z', now)).toBe(1);
    expect(daysUntil('2026-11-22T08:00:00Z', now)).toBe(-1);
    expect(daysUntil(null, now)).toBeNull();
  });
});

describe('civilFromDays', () => {
  it('gives the UTC calendar date Date gives, for every day of years 0-9999, and -1 outside them', () => {
    const DAY = 86_400_000;
    const last = Date.UTC(9999, 11, 31) / DAY;
    // (Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.)
    const yearZero = new Date(0); yearZero.setUTCFullYear(0, 0, 1);
    const from = yearZero.getTime() / DAY;
    fc.assert(fc.property(fc.integer({ min: from, max: last }), (days) => {
      const d = new Date(days * DAY);
      expect(civilFromDays(days)).toBe(d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate());
    }), { numRuns: 2000 });
    expect(civilFromDays(0)).toBe(19700101);
    expect(civilFromDays(from - 1)).toBe(-1);
    expect(civilFromDays(last + 1)).toBe(-1);
  });
});
