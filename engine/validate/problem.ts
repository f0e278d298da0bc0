import { didYouMean } from '../conditions/suggest.js';

/** A problem found in a definition: where it is and what is wrong, in plain language. */
export interface Problem {
  file?: string;
  /** Slash-separated path inside the definition, e.g. "nodes/2/task/title"; "" for the whole file. */
  path: string;
  nodeId?: string;
  edgeId?: string;
  severity: 'error' | 'warning';
  message: string;
  /** For JSON syntax errors: 1-based position in the file. */
  line?: number;
  column?: number;
}

/** Joins path parts, skipping empty ones: join('nodes/2', '/and/0') -> 'nodes/2/and/0'. */
export function joinPath(...parts: (string | number)[]): string {
  return parts
    .map((p) => String(p).replace(/^\/+|\/+$/g, ''))
    .filter((p) => p !== '')
    .join('/');
}

export function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asArray(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** " - did you mean x?" for the closest candidate, if it is close enough: the conditions module's wording and threshold. */
export function suggest(word: string, candidates: readonly string[]): string {
  return didYouMean(word, candidates);
}

/** "a, b or c" */
export function listOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
