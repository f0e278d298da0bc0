/** How merge-field values read in titles and emails. */
import { parseDateMs } from '../conditions/dates.js';

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 4200 -> "$4,200", 1234.5 -> "$1,234.50", -80 -> "-$80"; "" when not a number. */
export function formatMoney(value: unknown): string {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return '';
  const abs = Math.abs(n);
  const cents = Math.round(abs * 100) % 100 !== 0;
  const [whole, frac] = abs.toFixed(cents ? 2 : 0).split('.');
  return `${n < 0 ? '-' : ''}$${group(whole)}${frac ? `.${frac}` : ''}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "14 February 2027" (UTC, the engine's calendar) for a date or date-time; "" when not a date. */
export function formatDate(value: unknown): string {
  const ms = parseDateMs(value);
  if (ms === null) return '';
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
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
