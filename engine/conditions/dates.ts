/**
 * Date parsing for the clock operators and template helpers. Only ISO-8601 is
 * accepted (a date, or a date-time; no zone means UTC) so results never depend
 * on the machine's time zone, unlike Date.parse on free-form text.
 */
export const DAY_MS = 86_400_000;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch ms of an ISO-8601 date string or a finite epoch-ms number; null for anything else. */
export function parseDateMs(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const m = ISO.exec(value);
  if (m === null) return null;
  const year = +m[1], month = +m[2], day = +m[3];
  const hour = m[4] === undefined ? 0 : +m[4];
  const minute = m[5] === undefined ? 0 : +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  const ms = m[7] === undefined ? 0 : Math.floor(+(m[7] + '000').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const base = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 2027-02-30 over to March; such a date is invalid, not March 2nd.
  if (new Date(base).getUTCDate() !== day) return null;
  let offset = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = +digits.slice(0, 2), om = +digits.slice(2, 4);
    if (oh > 23 || om > 59) return null;
    offset = sign * (oh * 60 + om) * 60_000;
  }
  return base - offset;
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
