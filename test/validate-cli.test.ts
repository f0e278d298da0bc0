/** `npm run validate` as the team's CI runs it: a subprocess, its output and its exit code. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'waymark-validate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync('npx', ['tsx', 'engine/cli/validate.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  // npx may warn about the machine's npm config on stderr; that is not ours.
  const err = r.stderr.split('\n').filter((l) => l && !l.startsWith('npm warn')).join('\n');
  return { code: r.status, out: r.stdout, err };
}

// Generous timeouts: each run starts npx + tsx, which is slow when the whole suite runs in parallel.
const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('npm run validate', () => {
  it('passes the sample library with exit code 0', () => {
    const r = run();
    expect(r.out.trim()).toMatch(/^\d+ files checked: no problems$/);
    expect(r.code).toBe(0);
  }, 120_000);

  it('prints file: path (node x): message for each problem and exits 1', () => {
    const r = run('test/fixtures/invalid/schema-missing-field.json', 'test/fixtures/invalid/wait-task-not-a-task.json');
    const lines = r.out.trim().split('\n');
    expect(lines).toEqual([
      'test/fixtures/invalid/schema-missing-field.json: nodes/0/task (node call): missing required field title',
      'test/fixtures/invalid/wait-task-not-a-task.json: nodes/2/wait/task (node wait-call): waits for "check", which is a condition node, not a task node',
      '2 files checked: 2 errors, 0 warnings in 2 files',
    ]);
    expect(r.code).toBe(1);
  }, 120_000);

  it('uses the dictionary next to the given file', () => {
    const r = run('test/fixtures/invalid/fields-reserved-name/fields.json');
    expect(r.out).toContain('test/fixtures/invalid/fields-reserved-name/fields.json: fields/3/name (node health): field name "health" is reserved');
    expect(r.code).toBe(1);
  }, 120_000);

  it('--json prints machine-readable problems', () => {
    const r = run('--json', 'test/fixtures/invalid/dangling-edge.json');
    const body = JSON.parse(r.out);
    expect(body.errors).toBe(3);
    expect(body.problems[0]).toEqual({ file: 'test/fixtures/invalid/dangling-edge.json', path: 'edges/1/to', nodeId: 'call', edgeId: 'e2', severity: 'error', message: 'edge e2 leads to node "finish", which does not exist' });
    expect(r.code).toBe(1);
  }, 120_000);

  it('never prints a stack trace on garbage: not JSON, wrong kind, empty file, missing file, a folder of junk', () => {
    writeFileSync(join(tmp, 'broken.json'), '{\n  "kind": "playbook",\n  "id": "broken"\n  "name": "x"\n}\n');
    writeFileSync(join(tmp, 'wrong-kind.json'), '{"kind": "spreadsheet", "id": "wrong-kind"}');
    writeFileSync(join(tmp, 'empty.json'), '');
    writeFileSync(join(tmp, 'binary.json'), Buffer.from([0, 159, 146, 150, 255, 0, 10]));
    writeFileSync(join(tmp, 'list.json'), '[{"kind": "playbook"}]');
    writeFileSync(join(tmp, 'nodes-text.json'), '{"kind": "playbook", "id": "nodes-text", "name": "x", "trigger": 5, "reentry": {}, "nodes": "none", "edges": [null, 3]}');
    const r = run(tmp, join(tmp, 'nope.json'));
    noStack(r.out);
    noStack(r.err);
    expect(r.err).toBe('');
    expect(r.out).toContain(`${join(tmp, 'broken.json')}: invalid JSON at line 4, column 3: expected ',' or '}' after a property value`);
    expect(r.out).toContain(`${join(tmp, 'wrong-kind.json')}: kind: unknown kind "spreadsheet"`);
    expect(r.out).toContain(`${join(tmp, 'empty.json')}: the file is empty`);
    expect(r.out).toContain(`${join(tmp, 'list.json')}: expected a definition object with a "kind", found a list`);
    expect(r.out).toContain(`${join(tmp, 'nodes-text.json')}: nodes: must be a list, not text`);
    expect(r.out).toContain(`${join(tmp, 'nope.json')}: file not found`);
    expect(r.out).toMatch(/binary\.json: invalid JSON at line 1, column 1/);
    expect(r.code).toBe(1);
  }, 120_000);

  it('rejects an unknown option with usage and exit code 2', () => {
    const r = run('--strict');
    expect(r.err).toContain('unknown option --strict');
    expect(r.code).toBe(2);
  }, 120_000);
});
