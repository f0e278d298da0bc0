/**
 * The definitions service over real HTTP: the library of files in playbooks/, saving
 * drafts with stable formatting, publishing immutable versions, migrations, diffs and previews.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type ApiClient, type TestServer } from './helpers/server.js';
import { ManualClock } from '../server/clock.js';
import { formatDefinition } from '../engine/format.js';
import { unifiedDiff, diffLines } from '../server/definitions/diff.js';
import { createLibraryService, compileTolerant, toInput } from '../server/library.js';
import { parseDefinitionText } from '../engine/validate/index.js';
import type { Definition, Playbook } from '../engine/schema/definitions.js';

const DAY = 86_400_000;

describe('definitions API', () => {
  let srv: TestServer;
  let clock: ManualClock;
  let author: ApiClient;
  let publisher: ApiClient;
  let viewer: ApiClient;

  async function signIn() {
    [author, publisher, viewer] = await Promise.all([srv.login('author@waymark.test'), srv.login('publisher@waymark.test'), srv.login('viewer@waymark.test')]);
  }

  beforeAll(async () => {
    clock = new ManualClock('2026-11-02T09:00:00.000Z');
    srv = await startTestServer({ clock });
    await signIn();
  });
  afterAll(async () => {
    await srv?.close();
  });

  const fileText = (id: string) => fs.readFileSync(path.join(srv.playbooksDir, `${id}.json`), 'utf8');

  it('lists every file in playbooks/ with its kind, trigger summary and live status', async () => {
    const res = await viewer.get('/api/definitions');
    expect(res.status).toBe(200);
    const files = fs.readdirSync(srv.playbooksDir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(5);
    const items = res.body.items as any[];
    for (const f of files) {
      const id = f.replace(/\.json$/, '');
      const item = items.find((i) => i.id === id);
      expect(item, `${f} is listed`).toBeTruthy();
      expect(item.kind).toBe(JSON.parse(fileText(id)).kind);
      // First start publishes every valid file as version 1 ("initial import").
      expect(item.status).toBe('live');
      expect(item.liveVersion).toBe(1);
      expect(item.draftChanged).toBe(false);
      expect(item.problems.errors).toBe(0);
      expect(typeof item.updatedAt).toBe('string');
      expect(item.archived).toBe(false);
    }
    const renewal = items.find((i) => i.id === 'renewal-90-days');
    expect(renewal.triggerSummary).toMatch(/^When .*renewal/i);
    const nps = items.find((i) => i.id === 'low-nps');
    expect(nps.triggerSummary).toMatch(/^When an NPS response \(nps\.response\) arrives and Event score /);
    const journey = items.find((i) => i.kind === 'journey');
    expect(journey.triggerSummary).toMatch(/stages: Onboarding →/);

    const versions = await viewer.get('/api/definitions/renewal-90-days/versions');
    expect(versions.body.items).toEqual([expect.objectContaining({ version: 1, author: 'system', message: 'initial import' })]);
  });

  it('requires sign-in and the right role on every route', async () => {
    expect((await srv.anon().get('/api/definitions')).status).toBe(401);
    const def = (await viewer.get('/api/definitions/low-nps')).body.definition;
    expect((await viewer.put('/api/definitions/low-nps', { definition: def })).status).toBe(403);
    expect((await author.post('/api/definitions/low-nps/publish', { message: 'x' })).status).toBe(403);
    expect((await viewer.post('/api/definitions/low-nps/archive')).status).toBe(403);
  });

  it('saves a draft with stable formatting; reading and writing back is byte-identical', async () => {
    const read = await author.get('/api/definitions/usage-drop');
    expect(read.status).toBe(200);
    const def = read.body.definition;
    // Keys in a scrambled order still produce the canonical file.
    const scrambled = Object.fromEntries(Object.entries(def).reverse());
    const saved = await author.put('/api/definitions/usage-drop', { definition: scrambled });
    expect(saved.status).toBe(200);
    const first = fileText('usage-drop');
    expect(first).toBe(formatDefinition(def));
    expect(first.endsWith('\n')).toBe(true);
    // Read what was written and write it back: not a byte changes.
    const again = await author.put('/api/definitions/usage-drop', { definition: JSON.parse(first) });
    expect(again.status).toBe(200);
    expect(fileText('usage-drop')).toBe(first);
    expect(again.body.draftChanged).toBe(false);
    // No temp files are left behind by the atomic write.
    expect(fs.readdirSync(srv.playbooksDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('rejects unsafe ids and ids that do not match the body', async () => {
    const def = (await author.get('/api/definitions/usage-drop')).body.definition;
    const traversal = await author.put('/api/definitions/..%2Fescape', { definition: { ...def, id: '../escape' } });
    expect(traversal.status).toBe(400);
    expect(fs.existsSync(path.join(srv.playbooksDir, '..', 'escape.json'))).toBe(false);
    const mismatch = await author.put('/api/definitions/usage-drop', { definition: { ...def, id: 'other' } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.details[0].path).toBe('/definition/id');
    const notDef = await author.put('/api/definitions/usage-drop', { definition: { kind: 'poem', id: 'usage-drop' } });
    expect(notDef.status).toBe(400);
  });

  it('saves a draft with problems and returns them, but refuses to publish it (422)', async () => {
    const def = (await author.get('/api/definitions/usage-drop')).body.definition;
    const broken = { ...def, edges: [...def.edges, { id: 'dangling', from: 'reach-out', to: 'nowhere' }] };
    const saved = await author.put('/api/definitions/usage-drop', { definition: broken });
    expect(saved.status).toBe(200);
    expect(saved.body.problems.some((p: any) => p.severity === 'error')).toBe(true);
    expect(fileText('usage-drop')).toContain('"nowhere"');

    const list = await viewer.get('/api/definitions');
    const item = list.body.items.find((i: any) => i.id === 'usage-drop');
    expect(item.problems.errors).toBeGreaterThan(0);
    expect(item.draftChanged).toBe(true);

    const pub = await publisher.post('/api/definitions/usage-drop/publish', { message: 'broken' });
    expect(pub.status).toBe(422);
    expect(pub.body.error.problems.length).toBeGreaterThan(0);
    expect(pub.body.error.details.length).toBeGreaterThan(0);
    const versions = await viewer.get('/api/definitions/usage-drop/versions');
    expect(versions.body.items.map((v: any) => v.version)).toEqual([1]);

    // Put it back as it was.
    expect((await author.put('/api/definitions/usage-drop', { definition: def })).status).toBe(200);
  });

  it('validates a definition without saving it', async () => {
    const def = (await author.get('/api/definitions/low-nps')).body.definition;
    const ok = await viewer.post('/api/validate', { definition: def });
    expect(ok.status).toBe(200);
    expect(ok.body.problems.filter((p: any) => p.severity === 'error')).toEqual([]);
    const bad = await viewer.post('/api/validate', { definition: { ...def, audience: { '==': [{ var: 'noSuchField' }, 1] } } });
    expect(bad.body.problems.some((p: any) => p.severity === 'error' && /noSuchField/.test(p.message))).toBe(true);
  });

  it('publishes new immutable versions; running instances keep theirs unless migrated', async () => {
    // An account 60 days from renewal starts a renewal run that waits until 30 days before.
    const renewalDate = new Date(clock.now().getTime() + 60 * DAY).toISOString().slice(0, 10);
    const bulk = await srv.login('admin@waymark.test').then((admin) => admin.post('/api/accounts/bulk', {
      accounts: [{ id: 'acme', name: 'Acme', tier: 'tier-2', segment: 'low-touch', owner: 'csm-1', mrr: 2000, renewalDate }],
    }));
    expect(bulk.status).toBe(200);
    await srv.drain();
    let runs = await viewer.get('/api/definitions/renewal-90-days/runs');
    expect(runs.body.items).toEqual([expect.objectContaining({ version: 1, active: 1, nodes: [expect.objectContaining({ nodeId: 'wait-30-before', count: 1 })] })]);
    // For a journey, the accounts in each stage now.
    const stages = await viewer.get('/api/definitions/lifecycle/runs');
    expect(stages.body.items[0].nodes.find((n: any) => n.nodeId === 'onboarding')).toMatchObject({ label: 'Onboarding', count: 1 });

    // v2 renames the wait node; the run stays on v1.
    const v1 = (await author.get('/api/definitions/renewal-90-days')).body.definition;
    const rename = (d: any, from: string, to: string) => ({
      ...d,
      nodes: d.nodes.map((n: any) => (n.id === from ? { ...n, id: to } : n)),
      edges: d.edges.map((e: any) => ({ ...e, from: e.from === from ? to : e.from, to: e.to === from ? to : e.to })),
      layout: d.layout ? { nodes: Object.fromEntries(Object.entries(d.layout.nodes).map(([k, v]) => [k === from ? to : k, v])) } : undefined,
    });
    const v2def = rename(v1, 'wait-30-before', 'wait-before-renewal');
    expect((await author.put('/api/definitions/renewal-90-days', { definition: v2def })).status).toBe(200);
    const p2 = await publisher.post('/api/definitions/renewal-90-days/publish', { message: 'Rename the wait' });
    expect(p2.status).toBe(201);
    expect(p2.body.version).toBe(2);
    expect(p2.body.migrated).toBe(0);
    expect(p2.body.runsOnOlderVersions).toBe(1);
    expect(p2.body.accountsInLiveVersion).toBe(0);
    runs = await viewer.get('/api/definitions/renewal-90-days/runs');
    expect(runs.body.items.find((i: any) => i.version === 1).active).toBe(1);

    // The engine still runs v1 for that instance after a worker pass.
    await srv.drain();
    const inst = (await srv.store.listInstances({ playbookId: 'renewal-90-days', status: 'active' }, { limit: 10, offset: 0 })).items;
    expect(inst.map((i) => [i.version, i.nodeId])).toEqual([[1, 'wait-30-before']]);

    // Version 1 is immutable: its content is what was published, and there is no route to change it.
    const got1 = await viewer.get('/api/definitions/renewal-90-days/versions/1');
    expect(got1.body.content.nodes.some((n: any) => n.id === 'wait-30-before')).toBe(true);
    expect(got1.body.text).toBe(formatDefinition(v1));
    expect((await publisher.put('/api/definitions/renewal-90-days/versions/1', { content: v2def })).status).toBe(404);

    // Publishing the same draft again is refused: nothing changed.
    expect((await publisher.post('/api/definitions/renewal-90-days/publish', { message: 'again' })).status).toBe(409);

    // A bad node map publishes nothing.
    const v3def = { ...v2def, description: 'Renewal prep, with the wait renamed' };
    expect((await author.put('/api/definitions/renewal-90-days', { definition: v3def })).status).toBe(200);
    const badMap = await publisher.post('/api/definitions/renewal-90-days/publish', { message: 'v3', migrate: { nodeMap: { 'wait-30-before': 'nope' } } });
    expect(badMap.status).toBe(422);
    expect((await viewer.get('/api/definitions/renewal-90-days/versions')).body.items.length).toBe(2);

    // v3 with a node map moves the run.
    const p3 = await publisher.post('/api/definitions/renewal-90-days/publish', { message: 'v3 + move runs', migrate: { nodeMap: { 'wait-30-before': 'wait-before-renewal' } } });
    expect(p3.status).toBe(201);
    expect(p3.body.version).toBe(3);
    expect(p3.body.migrated).toBe(1);
    expect(p3.body.accountsInLiveVersion).toBe(1);
    runs = await viewer.get('/api/definitions/renewal-90-days/runs');
    expect(runs.body.items).toEqual([expect.objectContaining({ version: 3, live: true, active: 1, nodes: [expect.objectContaining({ nodeId: 'wait-before-renewal', count: 1 })] })]);

    const history = await viewer.get('/api/definitions/renewal-90-days/versions');
    expect(history.body.items.map((v: any) => [v.version, v.author, v.message])).toEqual([
      [3, 'publisher', 'v3 + move runs'], [2, 'publisher', 'Rename the wait'], [1, 'system', 'initial import'],
    ]);

    // The migrated run carries on under v3 when its wait ends (30 days before renewal).
    clock.advance({ days: 31 });
    await srv.drain();
    await signIn(); // sessions last 7 days on the test clock
    const after = (await srv.store.listInstances({ playbookId: 'renewal-90-days' }, { limit: 10, offset: 0 })).items;
    expect(after).toHaveLength(1);
    expect(after[0].version).toBe(3);
    expect(after[0].status).not.toBe('active');
    expect(after[0].path.some((s) => s.nodeId === 'wait-before-renewal')).toBe(true);
  });

  it('lets another process notice a publish (a second library over the same store)', async () => {
    const other = await createLibraryService({ store: srv.store, clock, playbooksDir: srv.playbooksDir, pollMs: 0 });
    expect(await other.refreshIfChanged()).toBe(false);
    const def = (await author.get('/api/definitions/quarterly-ebr')).body.definition;
    expect((await author.put('/api/definitions/quarterly-ebr', { definition: { ...def, description: 'Every quarter, tier-1 high-touch' } })).status).toBe(200);
    const pub = await publisher.post('/api/definitions/quarterly-ebr/publish', { message: 'Describe it' });
    expect(pub.status).toBe(201);
    const gen = other.generation();
    expect(await other.refreshIfChanged()).toBe(true);
    expect(other.generation()).toBe(gen + 1);
    expect(other.currentInput().playbooks.filter((p) => p.def.id === 'quarterly-ebr').map((p) => p.version)).toEqual([pub.body.version]);
    other.stop();
  });

  it('diffs versions and the draft: added nodes by id and a unified text diff', async () => {
    const def = (await author.get('/api/definitions/low-nps')).body.definition;
    const withNode = {
      ...def,
      nodes: [...def.nodes.filter((n: any) => n.id !== 'done'), { id: 'tag-detractor', kind: 'update', label: 'Tag detractor', update: { addTags: ['detractor'] } }, def.nodes.find((n: any) => n.id === 'done')],
      edges: def.edges.map((e: any) => (e.from === 'manager-steps-in' ? { ...e, to: 'tag-detractor' } : e)).concat({ id: 'tag-done', from: 'tag-detractor', to: 'done' }),
    };
    expect((await author.put('/api/definitions/low-nps', { definition: withNode })).status).toBe(200);
    const diff = await viewer.get('/api/definitions/low-nps/diff?from=1&to=draft');
    expect(diff.status).toBe(200);
    expect(diff.body.from).toBe(1);
    expect(diff.body.to).toBe('draft');
    expect(diff.body.nodes.added).toEqual(['tag-detractor']);
    expect(diff.body.nodes.removed).toEqual([]);
    expect(diff.body.edges.added).toEqual(['tag-done']);
    expect(diff.body.edges.changed.length).toBe(1);
    expect(diff.body.textDiff).toMatch(/^--- version 1\n\+\+\+ draft low-nps\.json\n@@ /);
    expect(diff.body.textDiff).toContain('+      "id": "tag-detractor",');

    // Published, the same change shows between versions 1 and 2.
    expect((await publisher.post('/api/definitions/low-nps/publish', { message: 'Tag detractors' })).status).toBe(201);
    const between = await viewer.get('/api/definitions/low-nps/diff?from=1&to=2');
    expect(between.body.nodes.added).toEqual(['tag-detractor']);
    const none = await viewer.get('/api/definitions/low-nps/diff?from=2&to=draft');
    expect(none.body.textDiff).toBe('');
    expect((await viewer.get('/api/definitions/low-nps/diff?from=9&to=draft')).status).toBe(404);
  });

  it('creates from a blank sample or a copy, duplicates, and archives (no new runs, versions kept)', async () => {
    const blank = await author.post('/api/definitions', { from: 'blank-playbook', id: 'welcome-call', name: 'Welcome call' });
    expect(blank.status).toBe(201);
    expect(blank.body.definition).toMatchObject({ kind: 'playbook', id: 'welcome-call', name: 'Welcome call' });
    expect(blank.body.liveVersion).toBe(null);
    expect(fileText('welcome-call')).toBe(formatDefinition(blank.body.definition));
    expect((await author.post('/api/definitions', { from: 'blank-playbook', id: 'welcome-call' })).status).toBe(409);

    const copy = await author.post('/api/definitions', { from: 'usage-drop', id: 'usage-drop-t1', name: 'Usage drop (tier 1)' });
    expect(copy.status).toBe(201);
    expect(copy.body.definition.nodes.length).toBeGreaterThan(1);
    const dup = await author.post('/api/definitions/usage-drop/duplicate', { newId: 'usage-drop-copy' });
    expect(dup.status).toBe(201);
    expect(dup.body.definition.name).toBe('Usage drop (copy)');

    const list = (await viewer.get('/api/definitions')).body.items;
    expect(list.find((i: any) => i.id === 'welcome-call')).toMatchObject({ status: 'draft', liveVersion: null, draftChanged: true });

    // Archive a live playbook: file moves, versions stay, new runs stop.
    const arch = await author.post('/api/definitions/usage-drop/archive');
    expect(arch.status).toBe(200);
    expect(fs.existsSync(path.join(srv.playbooksDir, 'usage-drop.json'))).toBe(false);
    expect(fs.existsSync(path.join(srv.playbooksDir, 'archive', 'usage-drop.json'))).toBe(true);
    expect((await viewer.get('/api/definitions/usage-drop/versions')).body.items.length).toBe(1);
    const archivedItem = (await viewer.get('/api/definitions')).body.items.find((i: any) => i.id === 'usage-drop');
    expect(archivedItem.archived).toBe(true);
    const compiled = srv.ctx.library.currentInput().playbooks.find((p) => p.def.id === 'usage-drop');
    expect(compiled?.def.trigger).toEqual({ type: 'manual' });
    expect((await publisher.post('/api/definitions/usage-drop/publish', { message: 'x' })).status).toBe(409);
    // The data dictionary cannot be archived, nor a journey live playbooks start from.
    expect((await author.post('/api/definitions/fields/archive')).status).toBe(400);
    const journey = await author.post('/api/definitions/lifecycle/archive');
    expect(journey.status).toBe(409);
    expect(journey.body.error.details.length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(srv.playbooksDir, 'lifecycle.json'))).toBe(true);
  });

  it('previews a draft on one account (its path) and on the whole book (forecast per owner per week)', async () => {
    const admin = await srv.login('admin@waymark.test');
    const renewalSoon = new Date(clock.now().getTime() + 45 * DAY).toISOString().slice(0, 10);
    const renewalLater = new Date(clock.now().getTime() + 200 * DAY).toISOString().slice(0, 10);
    await admin.post('/api/accounts/bulk', {
      accounts: [
        { id: 'p-1', name: 'Preview One', tier: 'tier-1', segment: 'high-touch', owner: 'csm-2', mrr: 9000, renewalDate: renewalSoon },
        { id: 'p-2', name: 'Preview Two', tier: 'tier-3', segment: 'tech-touch', owner: 'csm-3', mrr: 500, renewalDate: renewalLater },
      ],
    });
    await srv.drain();
    // A draft of a brand-new playbook: tier-1 accounts get an EBR task.
    const draft = {
      kind: 'playbook', id: 'ebr-prep', name: 'EBR prep',
      trigger: { type: 'condition', when: { '==': [{ var: 'tier' }, 'tier-1'] } },
      reentry: { policy: 'once' },
      nodes: [
        { id: 'prep', kind: 'task', task: { title: 'Prepare the EBR for {{account.name}}', type: 'activity', priority: 'medium', owner: { type: 'account-owner' }, dueDays: 7 } },
        { id: 'end', kind: 'end' },
      ],
      edges: [{ id: 'e1', from: 'trigger', to: 'prep' }, { id: 'e2', from: 'prep', to: 'end' }],
    };
    const one = await viewer.post('/api/definitions/ebr-prep/preview', { definition: draft, accountIds: ['p-1'], days: 30 });
    expect(one.status).toBe(200);
    expect(one.body.accountsSimulated).toBe(1);
    expect(one.body.ownerNames['csm-2']).toBe('Daniel Okafor');
    const acc = one.body.accounts.find((a: any) => a.accountId === 'p-1');
    const run = acc.runs.find((r: any) => r.playbookId === 'ebr-prep');
    expect(run.path.map((s: any) => s.nodeId)).toEqual(expect.arrayContaining(['prep', 'end']));
    expect(acc.tasks.map((t: any) => t.title)).toEqual(['Prepare the EBR for Preview One']);

    const book = await viewer.post('/api/definitions/ebr-prep/preview', { definition: draft, days: 28 });
    expect(book.status).toBe(200);
    expect(book.body.accountsSimulated).toBeGreaterThanOrEqual(2);
    const csm2 = book.body.forecast.owners.find((o: any) => o.owner === 'csm-2');
    expect(csm2).toBeTruthy();
    expect(csm2.total).toBeGreaterThanOrEqual(1);
    expect(Object.keys(csm2.weeks).every((w) => book.body.forecast.weeks.includes(w))).toBe(true);
    expect(book.body.forecast.owners.find((o: any) => o.owner === 'csm-3')).toBeFalsy();

    // Bad input: too many days, unknown account, invalid draft.
    expect((await viewer.post('/api/definitions/ebr-prep/preview', { definition: draft, days: 400 })).status).toBe(400);
    expect((await viewer.post('/api/definitions/ebr-prep/preview', { definition: draft, accountIds: ['nope'] })).status).toBe(404);
    const invalid = await viewer.post('/api/definitions/ebr-prep/preview', { definition: { ...draft, edges: [] } });
    expect(invalid.status).toBe(422);
  });
});

describe('line diff', () => {
  it('finds the longest common subsequence and prints unified hunks', () => {
    const a = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n';
    const b = 'a\nb\nc\nX\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nN\n';
    expect(diffLines(a.split('\n'), b.split('\n')).filter((o) => o.op !== ' ').map((o) => o.op + o.line)).toEqual(['+X', '-n', '+N']);
    expect(unifiedDiff(a, b, 'v1', 'v2')).toBe([
      '--- v1', '+++ v2',
      '@@ -1,6 +1,7 @@', ' a', ' b', ' c', '+X', ' d', ' e', ' f',
      '@@ -11,4 +12,4 @@', ' k', ' l', ' m', '-n', '+N', '',
    ].join('\n'));
    // Changes closer than twice the context share one hunk, as in diff -u.
    expect(unifiedDiff('a\nb\nc\n', 'A\nb\nC\n', 'x', 'y')).toBe('--- x\n+++ y\n@@ -1,3 +1,3 @@\n-a\n+A\n b\n-c\n+C\n');
    expect(unifiedDiff(a, a, 'x', 'y')).toBe('');
    expect(unifiedDiff('', 'one\n', 'x', 'y')).toBe('--- x\n+++ y\n@@ -0,0 +1,1 @@\n+one\n');
  });
});

describe('library compile', () => {
  it('leaves out a published playbook the engine now refuses, and keeps the rest running', () => {
    const dir = path.resolve(import.meta.dirname, '../playbooks');
    const defs = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => parseDefinitionText(fs.readFileSync(path.join(dir, f), 'utf8'), f).definition as Definition);
    const good = defs.find((d) => d.id === 'low-nps') as Playbook;
    const bad: Playbook = { ...good, id: 'broken', edges: [...good.edges, { id: 'dangling', from: 'reply', to: 'nowhere' }] };
    const { input, dropped } = compileTolerant(toInput([...defs, bad]));
    expect(input.playbooks.map((p) => p.def.id)).not.toContain('broken');
    expect(input.playbooks.map((p) => p.def.id)).toContain('low-nps');
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.every((p) => p.file === 'broken.json')).toBe(true);
    // A broken journey is not dropped silently: the error stands.
    const lifecycle = defs.find((d) => d.id === 'lifecycle')!;
    expect(() => compileTolerant(toInput([...defs.filter((d) => d.id !== 'lifecycle'), { ...lifecycle, initialStage: 'nope' } as Definition]))).toThrow();
  });
});

describe('publishing acts on the current book', () => {
  let srv: TestServer;
  afterAll(async () => { await srv?.close(); });

  it('makes every account due now, so a new playbook starts for qualifying accounts without waiting, and says so', async () => {
    srv = await startTestServer({ clock: new ManualClock('2026-11-02T09:00:00.000Z') });
    const [author, publisher] = await Promise.all([srv.login('author@waymark.test'), srv.login('publisher@waymark.test')]);
    const bulk = await author.post('/api/accounts/bulk', { accounts: [
      { id: 'drop-1', name: 'Dropping Co', owner: 'csm-1', tier: 'tier-2', segment: 'low-touch', dauTrendPct: -40 },
      { id: 'fine-1', name: 'Fine Co', owner: 'csm-1', tier: 'tier-2', segment: 'low-touch', dauTrendPct: 5 },
    ] });
    expect(bulk.body.accepted).toBe(2);
    await srv.drain();
    // Nothing is due after the first pass: without a re-evaluation a new playbook would wait.
    expect((await srv.store.listAccounts({}, { limit: 10, offset: 0 })).items.every((a) => !a.dueAt || a.dueAt > '2026-11-02T09:00:00.000Z')).toBe(true);

    expect((await author.post('/api/definitions', { from: 'usage-drop', id: 'usage-drop-new', name: 'Usage drop (new)' })).status).toBe(201);
    const pub = await publisher.post('/api/definitions/usage-drop-new/publish', { message: 'First version' });
    expect(pub.status).toBe(201);
    expect(pub.body.reEvaluating).toBe(2);
    expect(pub.body.summary).toBe('Version 1 is live. The book (2 accounts) is being re-evaluated now: accounts that qualify enter within moments, not at their next due time.');
    expect(pub.body.summary).not.toMatch(/0 accounts are in it/);

    await srv.drain(); // same clock: only the re-evaluation can start the run
    const runs = (await srv.store.listInstances({ playbookId: 'usage-drop-new' }, { limit: 10, offset: 0 })).items;
    expect(runs.map((i) => i.accountId)).toEqual(['drop-1']);

    const arch = await author.post('/api/definitions/usage-drop-new/archive');
    expect(arch.status).toBe(200);
    expect(arch.body.reEvaluating).toBe(2);
    expect(arch.body.message).toContain('the book (2 accounts) is being re-evaluated now');
  });
});

describe('preview says why an account would not enter', () => {
  let srv: TestServer;
  afterAll(async () => { await srv?.close(); });

  it('names the trigger rule and the values it read, or the audience that leaves the account out', async () => {
    srv = await startTestServer({ clock: new ManualClock('2026-11-02T09:00:00.000Z') });
    const author = await srv.login('author@waymark.test');
    await author.post('/api/accounts/bulk', { accounts: [
      { id: 'steady', name: 'Steady Co', owner: 'csm-1', dauTrendPct: 5 },
      { id: 'gone', name: 'Gone Co', owner: 'csm-1', dauTrendPct: -50, churned: true },
      { id: 'dropping', name: 'Dropping Co', owner: 'csm-1', dauTrendPct: -40 },
    ] });
    const res = await author.post('/api/definitions/usage-drop/preview', { accountIds: ['steady', 'gone', 'dropping'], days: 30 });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.notEntered).sort()).toEqual(['gone', 'steady']);
    expect(res.body.notEntered.steady).toMatchObject({ cause: 'trigger', values: { dauTrendPct: 5 } });
    expect(res.body.notEntered.steady.reason).toMatch(/^The trigger does not hold in the next 30 days: it needs .+/);
    expect(res.body.notEntered.gone).toMatchObject({ cause: 'audience', values: { churned: true } });
    expect(res.body.notEntered.gone.reason).toMatch(/^The audience leaves it out/);
  });
});

describe('journey preview says where an account stays and why', () => {
  let srv: TestServer;
  afterAll(async () => { await srv?.close(); });

  it('names each way out of the stage it ends in, the check that keeps it shut and the values read', async () => {
    srv = await startTestServer({ clock: new ManualClock('2026-11-02T09:00:00.000Z') });
    const author = await srv.login('author@waymark.test');
    await author.post('/api/accounts/bulk', { accounts: [
      // Onboarding: green only since yesterday and 2 features in use, so not yet at initial value.
      { id: 'new-co', name: 'New Co', owner: 'csm-1', usageGreenSince: '2026-11-01', featuresUsed: 2 },
      // Churned before it started: the first stage's entry keeps it out of the journey.
      { id: 'gone-co', name: 'Gone Co', owner: 'csm-1', churned: true },
    ] });
    await srv.drain();
    const res = await author.post('/api/definitions/lifecycle/preview', { accountIds: ['new-co', 'gone-co'], days: 7 });
    expect(res.status).toBe(200);
    const stay = res.body.stays['new-co'];
    expect(stay).toMatchObject({ stage: 'onboarding', stageName: 'Onboarding' });
    expect(stay.ways).toHaveLength(1);
    expect(stay.ways[0]).toMatchObject({ to: 'initial-value', blockedBy: 'when', values: { usageGreenSince: '2026-11-01', featuresUsed: 2, churned: null } });
    expect(stay.reason).toMatch(/^It stays in Onboarding: to reach Initial value, the transition needs .+/);
    expect(stay.ways[0].text).toBe(`the transition needs ${stay.ways[0].needs}`);
    expect(stay.values).toMatchObject({ usageGreenSince: '2026-11-01', featuresUsed: 2 });

    const out = res.body.stays['gone-co'];
    expect(out).toMatchObject({ stage: null, ways: [], values: { churned: true } });
    expect(out.reason).toMatch(/^It does not start the journey in the next 7 days: the first stage, Onboarding, needs /);

    // A playbook preview has no journey stops (it says why an account would not enter instead).
    const pb = await author.post('/api/definitions/usage-drop/preview', { accountIds: ['new-co'], days: 7 });
    expect(pb.body.stays).toBeUndefined();
  });
});

describe('library "Last change"', () => {
  let srv: TestServer;
  afterAll(async () => { await srv?.close(); });

  it('shows the last publish or app save, not the file time a clone gives every file', async () => {
    const clock = new ManualClock('2026-11-02T09:00:00.000Z');
    srv = await startTestServer({ clock });
    const author = await srv.login('author@waymark.test');
    // A fresh clone: every file carries the clone time.
    const cloned = new Date('2030-01-01T00:00:00Z');
    for (const f of fs.readdirSync(srv.playbooksDir).filter((x) => x.endsWith('.json'))) fs.utimesSync(path.join(srv.playbooksDir, f), cloned, cloned);
    const list = (await author.get('/api/definitions')).body.items as any[];
    const nps = list.find((i) => i.id === 'low-nps');
    expect(nps.publishedAt).toBeTruthy();
    expect(nps.updatedAt).toBe(nps.publishedAt);
    expect(list.every((i) => !i.updatedAt.startsWith('2030'))).toBe(true);

    clock.advance({ days: 1 });
    const def = (await author.get('/api/definitions/low-nps')).body.definition;
    expect((await author.put('/api/definitions/low-nps', { definition: { ...def, description: 'Edited' } })).status).toBe(200);
    fs.utimesSync(path.join(srv.playbooksDir, 'low-nps.json'), cloned, cloned);
    const after = (await author.get('/api/definitions')).body.items.find((i: any) => i.id === 'low-nps');
    expect(after.updatedAt).toBe('2026-11-03T09:00:00.000Z');
    expect((await author.get('/api/definitions/low-nps')).body.updatedAt).toBe('2026-11-03T09:00:00.000Z');

    // A name made from an id keeps acronyms upper-case; a new file's last change is its save time.
    const created = await author.post('/api/definitions', { from: 'blank-playbook', id: 'csm-nps-follow-up' });
    expect(created.body.definition.name).toBe('CSM NPS follow up');
    const item = (await author.get('/api/definitions')).body.items.find((i: any) => i.id === 'csm-nps-follow-up');
    expect(item.updatedAt).toBe('2026-11-03T09:00:00.000Z');
  });
});
