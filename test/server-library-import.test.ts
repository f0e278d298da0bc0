/**
 * The first-start import when several processes start together on one empty store
 * (e.g. a server and a worker, or several servers on one MongoDB): every definition
 * is published once, as version 1, not once per process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../server/store/sqlite.js';
import { ManualClock } from '../server/clock.js';
import { createLibraryService } from '../server/library.js';

const REPO_PLAYBOOKS = path.resolve(__dirname, '../playbooks');

describe('first-start import', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('publishes each definition once when two processes start on the same empty store', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-import-'));
    const playbooksDir = path.join(dir, 'playbooks');
    fs.cpSync(REPO_PLAYBOOKS, playbooksDir, { recursive: true });
    const file = path.join(dir, 'waymark.db');
    // Two connections to one file, as two processes would have.
    const a = new SqliteStore(file, { backgroundCheckpoint: false });
    await a.init();
    const b = new SqliteStore(file, { backgroundCheckpoint: false });
    await b.init();
    cleanups.push(async () => { await a.close(); await b.close(); fs.rmSync(dir, { recursive: true, force: true }); });
    const clock = new ManualClock('2026-11-02T09:00:00.000Z');

    const [la, lb] = await Promise.all([
      createLibraryService({ store: a, clock, playbooksDir, pollMs: 0 }),
      createLibraryService({ store: b, clock, playbooksDir, pollMs: 0 }),
    ]);
    la.stop();
    lb.stop();

    const latest = await a.latestVersions();
    const files = fs.readdirSync(playbooksDir).filter((f) => f.endsWith('.json'));
    expect(latest.length).toBeGreaterThan(5);
    expect(latest.length).toBeLessThanOrEqual(files.length);
    for (const v of latest) {
      expect((await a.listVersions(v.definitionId)).map((x) => [x.version, x.message]), v.definitionId).toEqual([[1, 'initial import']]);
    }
    // Both processes run the same library.
    expect(lb.currentInput().playbooks.map((p) => `${p.def.id}@${p.version}`).sort())
      .toEqual(la.currentInput().playbooks.map((p) => `${p.def.id}@${p.version}`).sort());
  });
});
