import { describe, expect, it, vi } from 'vitest';
import * as engine from '../engine/index.js';
import { instanceId, migrateInstances, taskId, timelineId } from '../engine/runtime/index.js';
import { stableHash, timelineIdOf } from '../engine/ids.js';
import { isoDate } from '../engine/runtime/context.js';
import type { Instance } from '../engine/types.js';
import fc from 'fast-check';

// Compiling the library (ajv validation) and fuzzing take seconds on a loaded CI machine.
vi.setConfig({ testTimeout: 120_000 });

describe('ids', () => {
  it('are pure functions of their keys', () => {
    expect(taskId('renewal:1:call:a1:2026-11-22T09:00:00.000Z')).toBe(taskId('renewal:1:call:a1:2026-11-22T09:00:00.000Z'));
    expect(taskId('renewal:1:call:a1:2026-11-22T09:00:00.000Z')).toMatch(/^t_[0-9a-z]{14}$/);
    expect(instanceId('p', 'a', 'o')).toMatch(/^i_[0-9a-z]{14}$/);
    expect(timelineId('a', 'stage', 'x')).toMatch(/^tl_/);
    expect(timelineIdOf('a', 'stage', 'x', ['j', 2, 'now'])).toBe(timelineId('a', 'stage', 'x', 'j', 2, 'now'));
    expect(timelineIdOf('a', 'stage', 'x', [])).toBe(timelineId('a', 'stage', 'x'));
    // fed part by part, the hash is the one of the joined key
    fc.assert(fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.integer(), fc.double())), fc.string({ unit: 'binary', maxLength: 20 }), (parts, acct) =>
      timelineIdOf(acct, 'task', 'created', parts) === 'tl_' + stableHash(`${acct}:task:created${parts.map((p) => ':' + String(p)).join('')}`)));
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (p, a, o) => instanceId(p, a, o) === 'i_' + stableHash(`${p}:${a}:${o}`)));
    // pinned, so an accidental change of the hash (which would duplicate tasks after an upgrade) fails here
    expect(stableHash('renewal:1:call:a1:2026-11-22T09:00:00.000Z')).toBe('0nzui9k1dp1lcf');
    expect(taskId('x')).toBe('t_' + stableHash('x'));
  });

  it('keep the text of the original formula (FNV-1a halves, fmix, toString(36) padded to 7) for any key', () => {
    // Ids are persisted: the faster digit writer must give the very same text for every key.
    const fmix = (h: number) => {
      h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
      return h >>> 0;
    };
    const reference = (text: string) => {
      let a = 0x811c9dc5, b = 0x9e3779b9;
      for (let i = 0; i < text.length; i++) {
        a = Math.imul(a ^ text.charCodeAt(i), 0x01000193);
        b = Math.imul(b ^ text.charCodeAt(i), 0x01000193);
      }
      return fmix(a).toString(36).padStart(7, '0') + fmix(b).toString(36).padStart(7, '0');
    };
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (key) => stableHash(key) === reference(key)), { numRuns: 5000 });
    for (let i = 0; i < 20_000; i++) expect(stableHash(`pb:1:n:acct-${i}`)).toBe(reference(`pb:1:n:acct-${i}`));
  });

  it('do not collide over many keys', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) seen.add(taskId(`pb:1:node:acct-${i}:2026-11-22T09:00:00.000Z`));
    expect(seen.size).toBe(50_000);
  });
});

describe('isoDate', () => {
  it('writes what Date#toISOString writes, whatever it was asked before (its memo never answers for another time)', () => {
    const base = Date.parse('2026-11-22T06:00:00.000Z');
    // same day at other times, other days in the same memo slot (64 days apart), fractions, far years
    const times = [base, base + 1, base + 3_600_000, base + 64 * 86_400_000, base - 64 * 86_400_000, base + 0.5, -1, 0, Date.parse('9999-12-31T23:59:59.999Z'), Date.parse('0001-01-01T00:00:00.000Z')];
    for (let round = 0; round < 3; round++) for (const t of times) expect(isoDate(t)).toBe(new Date(t).toISOString());
    fc.assert(fc.property(fc.array(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), { minLength: 1, maxLength: 20 }), (ms) =>
      ms.every((t) => isoDate(t) === new Date(t).toISOString()) && ms.every((t) => isoDate(t) === new Date(t).toISOString())));
    expect(() => isoDate(NaN)).toThrow(RangeError);
  });
});

describe('migrateInstances', () => {
  const inst = (over: Partial<Instance>): Instance => ({
    id: 'i1', playbookId: 'p', version: 1, accountId: 'a', occurrence: 'o', status: 'active', nodeId: 'wait-a', wakeAt: '2026-12-01T00:00:00.000Z',
    waitStartedAt: '2026-11-22T00:00:00.000Z', startedAt: '2026-11-22T00:00:00.000Z', endedAt: null, endReason: null, tasks: { 'task-a': 't_1' }, path: [], incident: null, ...over,
  });
  const target = { id: 'p', nodes: [{ id: 'wait-b', kind: 'wait' as const, wait: { type: 'duration' as const, duration: { days: 1 } } }, { id: 'task-b', kind: 'end' as const }] };

  it('moves active runs to the new version through the node map', () => {
    const { migrated, problems } = migrateInstances([inst({})], 2, { 'wait-a': 'wait-b', 'task-a': 'task-b' }, { target, at: '2026-11-25T00:00:00.000Z' });
    expect(problems).toEqual([]);
    expect(migrated[0]).toMatchObject({ version: 2, nodeId: 'wait-b', tasks: { 'task-b': 't_1' }, wakeAt: '2026-12-01T00:00:00.000Z' });
    expect(migrated[0].path.at(-1)).toMatchObject({ outcome: 'migrated', at: '2026-11-25T00:00:00.000Z' });
  });

  it('reports runs it cannot place and leaves finished runs alone', () => {
    const { migrated, problems } = migrateInstances(
      [inst({ id: 'i1' }), inst({ id: 'i2', nodeId: 'gone' }), inst({ id: 'i3', status: 'completed', nodeId: null }), inst({ id: 'i4', nodeId: 'wait-a' })],
      2, { 'wait-a': 'wait-b', 'gone': 'task-b' }, { target },
    );
    expect(migrated.map((m) => m.id)).toEqual(['i1', 'i4']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/i2.*"gone".*"task-b", a end node/);
  });

  it('without a target, unmapped nodes keep their id', () => {
    const { migrated } = migrateInstances([inst({})], 3, {});
    expect(migrated[0]).toMatchObject({ version: 3, nodeId: 'wait-a' });
    expect(migrated[0].path).toEqual([]);
  });
});

describe('engine barrel', () => {
  it('exposes the public API of every module', () => {
    for (const name of ['compileLibrary', 'evaluate', 'applyEvent', 'computeHealth', 'migrateInstances', 'simulate', 'taskId', 'instanceId', 'compileRule', 'buildConditionData', 'truthy', 'describeRule', 'analyzeRule', 'renderTemplate', 'renderTemplateHtml', 'validateDefinition', 'validateLibrary', 'formatDefinition', 'contentHash', 'DefinitionError', 'formatReport']) {
      expect(typeof (engine as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(engine.TRIGGER_NODE_ID).toBe('trigger');
  });
});

describe('engine time text', () => {
  it('isoDate writes exactly what Date#toISOString writes', async () => {
    const { isoDate } = await import('../engine/runtime/context.js');
    const fc = (await import('fast-check')).default;
    fc.assert(fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), (ms) => {
      expect(isoDate(ms)).toBe(new Date(ms).toISOString());
    }), { numRuns: 20_000 });
    for (const ms of [0, -1, 951_782_400_000, 4_107_542_399_999, Date.UTC(2024, 1, 29, 23, 59, 59, 999)]) expect(isoDate(ms)).toBe(new Date(ms).toISOString());
  });
});
