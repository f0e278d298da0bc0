/** How merge-field values read in titles and emails. */
import { civilFromDays, parseDateMs } from '../conditions/dates.js';

/** "1234567" -> "1,234,567" (what the former regex /\B(?=(\d{3})+(?!\d))/g wrote for digits). */
function group(digits: string): string {
  const n = digits.length;
  if (n <= 3) return digits;
  for (let i = 0; i < n; i++) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ','); // e.g. "1e+21"
  }
  let out = digits.slice(0, n % 3 || 3);
  for (let i = n % 3 || 3; i < n; i += 3) out += ',' + digits.slice(i, i + 3);
  return out;
}

/** 4200 -> "$4,200", 1234.5 -> "$1,234.50", -80 -> "-$80"; "" when not a number. */
export function formatMoney(value: unknown): string {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return '';
  const abs = Math.abs(n);
  const cents = Math.round(abs * 100) % 100 !== 0;
  const fixed = abs.toFixed(cents ? 2 : 0);
  const dot = fixed.indexOf('.');
  const whole = dot < 0 ? fixed : fixed.slice(0, dot);
  const frac = dot < 0 ? undefined : fixed.slice(dot + 1);
  return `${n < 0 ? '-' : ''}$${group(whole)}${frac ? `.${frac}` : ''}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "14 February 2027" (UTC, the engine's calendar) for a date or date-time; "" when not a date. */
export function formatDate(value: unknown): string {
  const ms = parseDateMs(value);
  if (ms === null) return '';
  // The civil date in UTC by arithmetic, as Date#getUTC* give it, without a Date object per merge
  // field; outside years 0-9999 Date does it.
  const ymd = Number.isFinite(ms) ? civilFromDays(Math.floor(Math.trunc(ms) / 86_400_000)) : -1; // Date truncates a fractional time
  if (ymd < 0) {
    const d = new Date(ms);
    return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  }
  const year = Math.floor(ymd / 10000), month = Math.floor(ymd / 100) % 100, day = ymd % 100;
  return `${day} ${MONTHS[month - 1]} ${year}`;
}

/** A plain value: missing is empty, lists are comma separated. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.map(formatValue).filter((s) => s !== '').join(', ');
  return '';
}
