/** Stable file text (git diffs show only what changed), parse errors with positions, sha-256. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHash, formatDefinition, parseDefinitionText } from '../engine/format.js';

const DIR = new URL('../playbooks/', import.meta.url);
const samples = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => ({ f, text: readFileSync(new URL(f, DIR), 'utf8') }));

/** The same object with its keys (at every level) in reverse order. */
function shuffleKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shuffleKeys);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).reverse()) out[k] = shuffleKeys((v as Record<string, unknown>)[k]);
  return out;
}

describe('formatDefinition', () => {
  it('reads and writes every sample back byte-identically', () => {
    expect(samples.length).toBeGreaterThanOrEqual(13);
    for (const { f, text } of samples) expect(formatDefinition(JSON.parse(text)), f).toBe(text);
  });

  it('gives the same text whatever order the keys come in', () => {
    for (const { f, text } of samples) expect(formatDefinition(shuffleKeys(JSON.parse(text))), f).toBe(text);
  });

  it('is stable: formatting its own output changes nothing', () => {
    for (const { text } of samples) {
      const once = formatDefinition(shuffleKeys(JSON.parse(text)));
      expect(formatDefinition(JSON.parse(once))).toBe(once);
    }
  });

  it('orders a playbook: header, trigger, audience, reentry, exit, nodes, edges, layout; nodes id, kind, label first; unknown keys last', () => {
    const text = formatDefinition({
      zeta: 1, layout: { nodes: { done: { y: 100, x: 0 }, trigger: { x: 0, y: 0 }, call: { x: 0, y: 50 } } },
      edges: [{ to: 'call', from: 'trigger', id: 'e1' }],
      nodes: [{ task: { dueDays: 1, owner: { type: 'account-owner' }, priority: 'high', type: 'risk', title: 'T' }, label: 'Call', kind: 'task', id: 'call' }, { kind: 'end', id: 'done' }],
      exit: { openTasks: 'close', when: true }, reentry: { policy: 'once' }, audience: true,
      trigger: { when: true, type: 'condition' }, description: 'd', name: 'N', id: 'x', kind: 'playbook', $schema: './schema/waymark.schema.json', alpha: 2,
    });
    const d = JSON.parse(text);
    expect(Object.keys(d)).toEqual(['$schema', 'kind', 'id', 'name', 'description', 'trigger', 'audience', 'reentry', 'exit', 'nodes', 'edges', 'layout', 'alpha', 'zeta']);
    expect(Object.keys(d.nodes[0])).toEqual(['id', 'kind', 'label', 'task']);
    expect(Object.keys(d.nodes[0].task)).toEqual(['title', 'type', 'priority', 'owner', 'dueDays']);
    expect(Object.keys(d.trigger)).toEqual(['type', 'when']);
    expect(Object.keys(d.edges[0])).toEqual(['id', 'from', 'to']);
    // positions follow the graph: trigger, then nodes in order; x before y
    expect(Object.keys(d.layout.nodes)).toEqual(['trigger', 'call', 'done']);
    expect(Object.keys(d.layout.nodes.done)).toEqual(['x', 'y']);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "$schema": "./schema/waymark.schema.json",');
  });

  it('keeps layout apart: moving a node changes only its position lines', () => {
    const text = samples.find((s) => s.f === 'support-risk.json')!.text;
    const d = JSON.parse(text);
    d.layout.nodes.review.x += 40;
    const changed = formatDefinition(d).split('\n');
    const before = text.split('\n');
    const diff = before.filter((line, i) => line !== changed[i]);
    expect(diff).toHaveLength(1);
    expect(diff[0]).toMatch(/"x": \d+/);
  });

  it('keeps a JSON Logic rule exactly as written', () => {
    const rule = { or: [{ '>=': [{ days_since: [{ var: 'oldestHighPriorityBugOpenedAt' }] }, 30] }, { in: ['x', { var: 'tags' }] }] };
    const d = JSON.parse(formatDefinition({ kind: 'playbook', id: 'x', trigger: { type: 'condition', when: rule } }));
    expect(JSON.stringify(d.trigger.when)).toBe(JSON.stringify(rule));
  });

  it('formats definitions of every kind with unknown content without throwing', () => {
    for (const weird of [null, 3, 'x', [], {}, { kind: 'journey', stages: 'no' }, { kind: 'playbook', nodes: [null, 1, { kind: 'task', task: 'x' }] }]) {
      expect(() => formatDefinition(weird)).not.toThrow();
    }
  });
});

describe('parseDefinitionText', () => {
  const err = (text: string) => parseDefinitionText(text, 'x.json').problems[0];

  it('parses a sample and returns its definition', () => {
    const r = parseDefinitionText(samples[0].text, samples[0].f);
    expect(r.problems).toEqual([]);
    expect(r.definition?.kind).toBeDefined();
  });

  it('reports JSON syntax errors by line and column', () => {
    const missingComma = err('{\n  "kind": "playbook"\n  "id": "x"\n}');
    expect(missingComma).toMatchObject({ file: 'x.json', path: '', severity: 'error', line: 3, column: 3 });
    expect(missingComma.message).toBe("invalid JSON at line 3, column 3: expected ',' or '}' after a property value, found '\"'");
    expect(err('{\n  "a": [1, 2,]\n}').message).toBe('invalid JSON at line 2, column 14: trailing comma before ]');
    expect(err('{"a": 1,\n}').message).toBe('invalid JSON at line 2, column 1: trailing comma before }');
    expect(err('{"a": tru}').message).toMatch(/^invalid JSON at line 1, column 7: expected a value/);
    expect(err("{'kind': 1}").message).toMatch(/column 2: .*single quote/);
    expect(err('{"a": "x\n"}').message).toMatch(/line 1, column 9: string not closed before the end of the line/);
    expect(err('{"kind": "playbook"').message).toMatch(/line 1, column 20: unexpected end of the file/);
    expect(err('// comment\n{}').message).toMatch(/comment/);
    expect(err('{} {}').message).toMatch(/column 4: unexpected '\{' after the end of the JSON value/);
  });

  it('says what is wrong with empty files, non-objects and unknown kinds', () => {
    expect(err('').message).toBe('the file is empty');
    expect(err(' \n\t').message).toBe('the file is empty');
    expect(err('[]').message).toBe('expected a definition object with a "kind", found a list');
    expect(err('"text"').message).toBe('expected a definition object with a "kind", found a string');
    expect(err('null').message).toBe('expected a definition object with a "kind", found null');
    expect(err('{"id": "x"}')).toMatchObject({ path: 'kind', message: expect.stringMatching(/^missing required field kind/) });
    expect(err('{"kind": "flow"}').message).toBe('unknown kind "flow": expected one of playbook, journey, scorecard, fields');
  });

  it('warns about a key given twice in one object (JSON keeps only the last)', () => {
    const r = parseDefinitionText('{\n  "kind": "playbook",\n  "nodes": [{ "id": "a", "id": "b" }]\n}', 'x.json');
    expect(r.definition).toBeDefined();
    expect(r.problems).toEqual([{ file: 'x.json', path: 'nodes/0/id', severity: 'warning', message: 'key "id" appears twice in the same object (line 3, column 26): only the last one counts', line: 3, column: 26 }]);
  });

  it('accepts a byte-order mark', () => {
    expect(parseDefinitionText('\uFEFF{"kind": "fields"}').problems).toEqual([]);
  });

  it('finds a position for any text JSON.parse rejects, and none for text it accepts', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1)))), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        const r = parseDefinitionText(text);
        if (!valid && text.trim() !== '') expect(r.problems[0].message).toMatch(/^invalid JSON at line \d+, column \d+: /);
        if (valid) for (const p of r.problems) expect(p.message).not.toMatch(/invalid JSON/);
      }),
      { numRuns: 400 },
    );
  });
});

describe('contentHash (sha-256)', () => {
  it('matches the published test vectors', () => {
    expect(contentHash('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(contentHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(contentHash('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    expect(contentHash('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu')).toBe('cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1');
    expect(contentHash('a'.repeat(1_000_000))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('hashes the UTF-8 bytes, like node:crypto, for any text and at block boundaries', () => {
    for (const n of [55, 56, 63, 64, 65, 119, 120]) expect(contentHash('x'.repeat(n))).toBe(createHash('sha256').update('x'.repeat(n)).digest('hex'));
    expect(contentHash('Renewal in 90 days: Åsa – ☕ 😀')).toBe(createHash('sha256').update('Renewal in 90 days: Åsa – ☕ 😀', 'utf8').digest('hex'));
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => contentHash(s) === createHash('sha256').update(s, 'utf8').digest('hex')), { numRuns: 300 });
  });

  it('differs when one character changes', () => {
    expect(contentHash(samples[0].text)).not.toBe(contentHash(samples[0].text.replace('"', "'")));
  });
});
