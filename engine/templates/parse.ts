/**
 * Merge-field templates: text with {{path}} or {{helper path}} parts, e.g.
 * "Renewal in {{days_until account.renewalDate}} days ({{date account.renewalDate}})".
 * A part may end in a fallback for when the value is missing:
 * {{days_since account.lastCsmUpdateAt | default "a while"}}.
 */
export type Part =
  | { kind: 'text'; text: string }
  | {
      kind: 'field'; source: string; helper: string | null; path: string; tokens: number; line: number; column: number;
      /** Text shown when the value is missing (`| default "..."`), else null. */
      fallback: string | null;
      /** Why the part after `|` is not a valid fallback, else null. */
      fallbackError: string | null;
    }
  /** A {{ without its }}: shown as typed, reported by analyzeTemplate. */
  | { kind: 'unclosed'; text: string; line: number; column: number };

function position(text: string, index: number): { line: number; column: number } {
  let line = 1, last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: index - last };
}

const cache = new Map<string, Part[]>();
const CACHE_LIMIT = 500;

/** Splits a template into text and merge fields (cached: the same texts render for many accounts). */
export function parseTemplate(text: string): Part[] {
  const hit = cache.get(text);
  if (hit) return hit;
  const parts: Part[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open === -1) break;
    const close = text.indexOf('}}', open + 2);
    if (open > i) parts.push({ kind: 'text', text: text.slice(i, open) });
    if (close === -1) {
      parts.push({ kind: 'unclosed', text: text.slice(open), ...position(text, open) });
      i = text.length;
      break;
    }
    const source = text.slice(open + 2, close);
    const bar = source.indexOf('|');
    const head = bar === -1 ? source : source.slice(0, bar);
    const fb = bar === -1 ? { fallback: null, fallbackError: null } : parseFallback(source.slice(bar + 1));
    const tokens = head.trim().split(/\s+/).filter(Boolean);
    parts.push({
      kind: 'field',
      source: source.trim(),
      helper: tokens.length >= 2 ? tokens[0] : null,
      path: tokens.length >= 2 ? tokens[1] : tokens[0] ?? '',
      tokens: tokens.length,
      ...fb,
      ...position(text, open),
    });
    i = close + 2;
  }
  if (i < text.length) parts.push({ kind: 'text', text: text.slice(i) });
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, parts);
  return parts;
}

/** `default "text"` (or 'text') after the `|` of a merge field. */
function parseFallback(rest: string): { fallback: string | null; fallbackError: string | null } {
  const m = /^\s*default\s+(?:"([^"]*)"|'([^']*)')\s*$/.exec(rest);
  if (m) return { fallback: m[1] ?? m[2], fallbackError: null };
  return { fallback: null, fallbackError: `after "|" write default "text to show when the value is missing", e.g. {{days_since account.lastCsmUpdateAt | default "a while"}}` };
}
