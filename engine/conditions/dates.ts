/**
 * Date parsing for the clock operators and template helpers. Only ISO-8601 is
 * accepted (a date, or a date-time; no zone means UTC) so results never depend
 * on the machine's time zone, unlike Date.parse on free-form text.
 */
export const DAY_MS = 86_400_000;

/** Two ASCII digits at i as a number, or -1. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48, b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Epoch ms of an ISO-8601 date string or a finite epoch-ms number; null for anything else.
 * Accepts YYYY-MM-DD, optionally followed by THH:MM[:SS[.fraction]] and Z or ±HH[:]MM
 * (no zone means UTC). Hand-rolled rather than a regex + Date.UTC: it runs for every
 * days_since/days_until, and this is several times faster.
 */
export function parseDateMs(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const s = value;
  const n = s.length;
  if (n < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return null;
  const hi = two(s, 0), lo = two(s, 2);
  const month = two(s, 5), day = two(s, 8);
  if (hi < 0 || lo < 0 || month < 1 || month > 12 || day < 1) return null;
  const year = hi * 100 + lo;
  if (day > (month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1])) return null;
  let ms = daysFromCivil(year, month, day) * DAY_MS;
  if (n === 10) return ms;
  const sep = s.charCodeAt(10);
  if ((sep !== 84 && sep !== 32) || n < 16 || s.charCodeAt(13) !== 58) return null; // 'T' or ' ', then HH:MM
  const hour = two(s, 11), minute = two(s, 14);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return null;
  ms += hour * 3_600_000 + minute * 60_000;
  let i = 16;
  if (i < n && s.charCodeAt(i) === 58) {
    const second = two(s, 17);
    if (second < 0 || second > 59) return null;
    ms += second * 1000;
    i = 19;
    if (i < n && s.charCodeAt(i) === 46) {
      i++;
      let digits = 0, frac = 0;
      for (let c = s.charCodeAt(i) - 48; i < n && c >= 0 && c <= 9; c = s.charCodeAt(++i) - 48) {
        if (digits < 3) frac = frac * 10 + c;
        digits++;
      }
      if (digits === 0 || digits > 9) return null;
      for (let k = digits; k < 3; k++) frac *= 10;
      ms += frac;
    }
  }
  if (i === n) return ms;
  const zone = s.charCodeAt(i);
  if (zone === 90) return i + 1 === n ? ms : null; // 'Z'
  if (zone !== 43 && zone !== 45) return null; // '+' / '-'
  const oh = two(s, i + 1);
  let om: number;
  if (n === i + 6 && s.charCodeAt(i + 3) === 58) om = two(s, i + 4);
  else if (n === i + 5) om = two(s, i + 3);
  else return null;
  if (oh < 0 || oh > 23 || om < 0 || om > 59) return null;
  const offset = (oh * 60 + om) * 60_000;
  return zone === 43 ? ms - offset : ms + offset;
}

/** Whole days since the date (floor); null for a missing or invalid date. */
export function daysSinceMs(dateMs: number | null, nowMs: number): number | null {
  return dateMs === null ? null : Math.floor((nowMs - dateMs) / DAY_MS);
}

/** Whole days until the date (floor); null for a missing or invalid date. */
export function daysUntilMs(dateMs: number | null, nowMs: number): number | null {
  return dateMs === null ? null : Math.floor((dateMs - nowMs) / DAY_MS);
}

/** `days_since` as an operation on a raw value (also registered on json-logic-js in tests). */
export function daysSince(value: unknown, nowMs: number): number | null {
  return daysSinceMs(parseDateMs(value), nowMs);
}

export function daysUntil(value: unknown, nowMs: number): number | null {
  return daysUntilMs(parseDateMs(value), nowMs);
}
