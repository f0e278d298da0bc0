/** Display formatting shared by the pages. Times are ISO-8601 UTC strings from the API. */

const DAY = 86_400_000;

export function formatMoney(v: unknown): string {
  const n = typeof v === 'number' ? v : Number(v);
  if (v === null || v === undefined || v === '' || !Number.isFinite(n)) return '—';
  return '$' + Math.round(n).toLocaleString('en-US');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function parseTime(iso: unknown): Date | null {
  if (typeof iso !== 'string' || !iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "22 Nov 2026": the one date format of the app, in UTC like every date the server keeps. */
export function formatDate(iso: unknown): string {
  const d = parseTime(iso);
  if (!d) return typeof iso === 'string' && iso ? iso : '—';
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** "22 Nov 2026, 13:15" (UTC, 24-hour). */
export function formatDateTime(iso: unknown): string {
  const d = parseTime(iso);
  if (!d) return typeof iso === 'string' && iso ? iso : '—';
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${formatDate(iso)}, ${hh}:${mm}`;
}

/** "Week of 16 Nov" for the Monday-based week that starts on the given date. */
export function formatWeek(iso: unknown): string {
  const d = parseTime(iso);
  if (!d) return typeof iso === 'string' && iso ? iso : '—';
  return `Week of ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

/**
 * Calendar days from today to the date (negative: in the past), counted on UTC dates like
 * formatDate shows them, so "Overdue 22 Nov" on 22 Nov reads "today", never "yesterday".
 * Null when not a date.
 */
export function daysUntil(iso: unknown, nowMs: number): number | null {
  if (typeof iso !== 'string' || !iso) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  return Math.floor(t / DAY) - Math.floor(nowMs / DAY);
}

export function relativeDays(days: number | null): string {
  if (days === null) return '';
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  if (days === -1) return 'yesterday';
  return days > 0 ? `in ${days} days` : `${-days} days ago`;
}

export function formatPercent(v: unknown, digits = 0): string {
  const n = typeof v === 'number' ? v : Number(v);
  if (v === null || v === undefined || !Number.isFinite(n)) return '—';
  return (n * 100).toFixed(digits) + '%';
}

export function formatNumber(v: unknown, digits = 0): string {
  const n = typeof v === 'number' ? v : Number(v);
  if (v === null || v === undefined || v === '' || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return /^\d{4}-\d{2}-\d{2}T/.test(v) ? formatDate(v) : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Words that are abbreviations in customer success, written in capitals wherever they appear. */
const ACRONYMS = new Set(['cs', 'csm', 'csms', 'cta', 'ctas', 'ivm', 'ebr', 'qbr', 'nps', 'mrr', 'arr', 'api', 'id', 'sla', 'kpi', 'roi', 'poc', 'sso', 'crm']);

/** "tier-1" -> "Tier 1", "high-touch" -> "High touch", "cs-manager" -> "CS manager", "ivm-reached" -> "IVM reached". */
export function humanize(s: unknown): string {
  if (typeof s !== 'string' || !s) return '—';
  const t = s.replace(/[-_.]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  const words = t.split(' ').map((w) => (ACRONYMS.has(w) ? (w.endsWith('s') && w.length > 3 ? w.slice(0, -1).toUpperCase() + 's' : w.toUpperCase()) : w));
  const out = words.join(' ');
  return out.charAt(0).toUpperCase() + out.slice(1);
}

export const PRIORITY_ORDER: Record<string, number> = { urgent: 0, high: 1, medium: 2, low: 3 };

/** Queue order: priority (urgent first), then due date, then id. */
export function compareTasks(a: { priority: string; dueAt: string; id: string }, b: { priority: string; dueAt: string; id: string }): number {
  const p = (PRIORITY_ORDER[a.priority] ?? 9) - (PRIORITY_ORDER[b.priority] ?? 9);
  if (p) return p;
  if (a.dueAt !== b.dueAt) return a.dueAt < b.dueAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A yyyy-mm-dd string for <input type="date">, from a ms time, in UTC. */
export function dateInputValue(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Engine texts write moves as "A -> B"; show them with a real arrow. */
export function arrows(text: string): string {
  return typeof text === 'string' ? text.replace(/\s*->\s*/g, ' → ') : text;
}

/** "Dec 2025" from "2025-12" or any ISO time in that month. */
export function formatMonth(v: unknown): string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}/.test(v)) return typeof v === 'string' && v ? v : '—';
  const m = Number(v.slice(5, 7));
  return m >= 1 && m <= 12 ? `${MONTHS[m - 1]} ${v.slice(0, 4)}` : v;
}

/** A number with exactly this many decimals ("81.0", "245.7"), so a column reads evenly. */
export function formatFixed(v: unknown, digits: number): string {
  const n = typeof v === 'number' ? v : Number(v);
  if (v === null || v === undefined || v === '' || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
