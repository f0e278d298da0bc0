/**
 * Deterministic ids. A task's id comes from its idempotency key, so the same playbook,
 * node, account and trigger occurrence always name the same task (a replay or a second
 * worker creates nothing new); instance and timeline ids work the same way.
 * Pure and browser-safe: no crypto, no randomness.
 */

/** FNV-1a over UTF-16 code units with a murmur3 finaliser, from a given offset basis. */
function hash32(text: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A stable 64-bit hash as 14 base-36 characters (two independent 32-bit halves). */
export function stableHash(text: string): string {
  const a = hash32(text, 0x811c9dc5).toString(36).padStart(7, '0');
  const b = hash32(text, 0x9e3779b9).toString(36).padStart(7, '0');
  return a + b;
}

/** The idempotency key of a playbook task: playbook:version:node:account:occurrence. */
export function taskKey(playbookId: string, version: number, nodeId: string, accountId: string, occurrence: string): string {
  return `${playbookId}:${version}:${nodeId}:${accountId}:${occurrence}`;
}

/** "t_" + hash of the task's idempotency key. */
export function taskId(key: string): string {
  return 't_' + stableHash(key);
}

/** One run of a playbook on an account for one trigger occurrence. */
export function instanceId(playbookId: string, accountId: string, occurrence: string): string {
  return 'i_' + stableHash(`${playbookId}:${accountId}:${occurrence}`);
}

/** Engine-written timeline entries: the same happening always gets the same id, so replays do not duplicate it. */
export function timelineId(accountId: string, kind: string, ...parts: (string | number)[]): string {
  return 'tl_' + stableHash(`${accountId}:${kind}:${parts.join(':')}`);
}
