/**
 * One contract, every store: the same behaviour cases run against SQLite (always, on a
 * temp file) and MongoDB (only when MONGODB_URL is set: no MongoDB server can run on the
 * build machines, so without the variable the MongoDB factory is simply not registered).
 * Each MongoDB run uses its own database name and drops it afterwards.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AccountFilter, Store, TaskFilter } from '../server/store/types.js';
import { SqliteStore } from '../server/store/sqlite.js';
import { DAY, MIN, T0, at, createTasks, emptyState, evaluate, makeHealth, makeInstance, makeTask, noopCommit } from './fixtures/store/helpers.js';

interface Factory { name: string; open(): Promise<{ store: Store; cleanup(): Promise<void> }> }

const factories: Factory[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'waymark-store-'));
      const store = new SqliteStore(join(dir, 'waymark.db'));
      await store.init();
      return { store, cleanup: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
    },
  },
];
if (process.env.MONGODB_URL) {
  const url = process.env.MONGODB_URL;
  factories.push({
    name: 'mongodb',
    async open() {
      const { MongoStore } = await import('../server/store/mongo.js');
      const store = new MongoStore(url, { dbName: `waymark_test_${Date.now()}_${randomUUID().slice(0, 8)}` });
      await store.init();
      return { store, cleanup: async () => { await store.dropDatabase(); await store.close(); } };
    },
  });
}

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/store/${name}`, import.meta.url), 'utf8'));

describe.each(factories)('$name store', (factory) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await factory.open());
  });
  afterEach(async () => {
    await cleanup();
  });

  describe('accounts', () => {
    it('upsert merges partial fields, replaces tags and flags only when given, and marks the account due', async () => {
      expect(await store.upsertAccounts([{ id: 'a1', fields: { name: 'Acme', tier: 'tier-1', mrr: 100 }, tags: ['vip'], flags: { beta: true } }], T0))
        .toEqual({ inserted: 1, updated: 0 });
      let rec = await store.getAccount('a1');
      expect(rec).toMatchObject({ account: { id: 'a1', fields: { name: 'Acme', tier: 'tier-1', mrr: 100 }, tags: ['vip'], flags: { beta: true } }, state: null, dueAt: T0, createdAt: T0, updatedAt: T0 });

      // evaluated: nothing scheduled
      expect(await evaluate(store, 'a1', at(1), () => ({}))).toBe(true);
      expect((await store.getAccount('a1'))!.dueAt).toBeNull();

      expect(await store.upsertAccounts([{ id: 'a1', fields: { mrr: 200 } }, { id: 'a2', fields: { name: 'Birch' } }], at(10)))
        .toEqual({ inserted: 1, updated: 1 });
      rec = await store.getAccount('a1');
      expect(rec!.account).toEqual({ id: 'a1', fields: { name: 'Acme', tier: 'tier-1', mrr: 200 }, tags: ['vip'], flags: { beta: true } });
      expect(rec!.dueAt).toBe(at(10));
      expect(rec!.createdAt).toBe(T0);
      expect(rec!.updatedAt).toBe(at(10));

      await store.upsertAccounts([{ id: 'a1', tags: [], flags: { churnRisk: true } }], at(20));
      rec = await store.getAccount('a1');
      expect(rec!.account.tags).toEqual([]);
      expect(rec!.account.flags).toEqual({ churnRisk: true });
      expect(rec!.account.fields.mrr).toBe(200);
      // already due since 10 minutes: stays due from then (oldest due first stays fair)
      expect(rec!.dueAt).toBe(at(10));
      expect(await store.countAccounts()).toBe(2);
    });

    it('rejects a bad item naming it, and writes nothing of the batch', async () => {
      await expect(store.upsertAccounts([{ id: 'ok', fields: {} }, { id: '', fields: {} }], T0)).rejects.toThrow(/accounts\[1\]\.id/);
      await expect(store.upsertAccounts([{ id: 'ok', fields: [] as unknown as Record<string, unknown> }], T0)).rejects.toThrow(/accounts\[0\]\.fields/);
      await expect(store.upsertAccounts([{ id: 'ok', tags: [1] as unknown as string[] }], T0)).rejects.toThrow(/accounts\[0\]\.tags/);
      await expect(store.upsertAccounts([{ id: 'ok', fields: { 'a.b': 1 } }], T0)).rejects.toThrow(/field name "a\.b"/);
      await expect(store.upsertAccounts([{ id: 'ok', fields: { $where: 1 } }], T0)).rejects.toThrow(/field name "\$where"/);
      await expect(store.upsertAccounts([{ id: 'ok', flags: { beta: 'yes' } as unknown as Record<string, boolean> }], T0)).rejects.toThrow(/accounts\[0\]\.flags/);
      expect(await store.countAccounts()).toBe(0);
      expect(await store.getAccount('nope')).toBeNull();
    });

    describe('listAccounts filters and paging (fixtures/store/accounts.json)', () => {
      const data = fixture('accounts.json');
      beforeEach(async () => {
        await store.upsertAccounts(data.accounts.map((a: { id: string; fields: Record<string, unknown> }) => ({ id: a.id, fields: a.fields })), data.now);
        for (const a of data.accounts) {
          await evaluate(store, a.id, data.now, (b) => ({
            state: {
              ...emptyState(a.id, data.now),
              journeys: a.stage ? { [a.stage.journey]: { stage: a.stage.stage, enteredAt: data.now, history: [] } } : {},
              health: a.health ? makeHealth(a.health, data.now) : null,
            },
            account: b.account,
          }));
        }
      });
      for (const c of data.cases) {
        it(c.name, async () => {
          if (c.error) {
            await expect(store.listAccounts(c.filter as AccountFilter, { limit: 50, offset: 0 })).rejects.toThrow(c.error);
            return;
          }
          const page = await store.listAccounts(c.filter as AccountFilter, { limit: 50, offset: 0 });
          expect(page.items.map((r) => r.account.id)).toEqual(c.ids);
          expect(page.total).toBe(c.ids.length);
        });
      }
      it('pages keep the total', async () => {
        const p = data.paging;
        const page = await store.listAccounts(p.filter, { limit: p.limit, offset: p.offset });
        expect(page.items.map((r) => r.account.id)).toEqual(p.ids);
        expect(page.total).toBe(p.total);
      });
      it('tells which ids are stored accounts, reading no records', async () => {
        const found = await store.existingAccountIds(['acc-03', 'nope', 'acc-01', 'acc-03']);
        expect(found.sort()).toEqual(['acc-01', 'acc-03']);
        expect(await store.existingAccountIds([])).toEqual([]);
        await expect(store.existingAccountIds([{ $gt: '' }] as unknown as string[])).rejects.toThrow('ids[0]: expected a string');
        await expect(store.existingAccountIds('acc-01' as unknown as string[])).rejects.toThrow('ids: expected a list of ids');
      });
      it('sorts by renewal (soonest first), MRR (largest first) or health (lowest first), accounts without the value last; filters churned ones in or out', async () => {
        await store.upsertAccounts([
          { id: 'acc-01', fields: { renewalDate: '2027-05-01' } },
          { id: 'acc-03', fields: { renewalDate: '2027-01-10' } },
          { id: 'acc-04', fields: { renewalDate: '2027-01-10' } },
          { id: 'acc-02', fields: { churned: true } },
          { id: 'acc-06', fields: { churnedAt: '2026-10-01' } },
        ], data.now);
        const ids = async (filter: AccountFilter, sort?: 'name' | 'renewal' | 'mrr' | 'health', page = { limit: 50, offset: 0 }) => {
          const p = await store.listAccounts(filter, page, sort);
          return { ids: p.items.map((r) => r.account.id), total: p.total };
        };
        expect((await ids({}, 'renewal')).ids).toEqual(['acc-03', 'acc-04', 'acc-01', 'acc-02', 'acc-05', 'acc-06']);
        expect((await ids({}, 'mrr')).ids).toEqual(['acc-03', 'acc-01', 'acc-06', 'acc-02', 'acc-05', 'acc-04']);
        expect((await ids({}, 'health')).ids).toEqual(['acc-02', 'acc-03', 'acc-01', 'acc-04', 'acc-05', 'acc-06']);
        expect(await ids({}, 'renewal', { limit: 2, offset: 1 })).toEqual({ ids: ['acc-04', 'acc-01'], total: 6 });
        expect(await ids({ churned: true })).toEqual({ ids: ['acc-02', 'acc-06'], total: 2 });
        expect(await ids({ churned: false }, 'mrr')).toEqual({ ids: ['acc-03', 'acc-01', 'acc-05', 'acc-04'], total: 4 });
        await expect(store.listAccounts({}, { limit: 5, offset: 0 }, 'size' as never)).rejects.toThrow('sort: "size" is not one of');
      });
      it('summarises accounts for task rows from columns: name, tier, mrr, renewal date and health', async () => {
        await store.upsertAccounts([{ id: 'acc-03', fields: { renewalDate: '2027-03-01', mrr: 7000.5 } }], data.now);
        const list = await store.accountSummaries(['acc-03', 'nope', 'acc-01', 'acc-03']);
        const byId = new Map(list.map((a) => [a.id, a]));
        expect(list).toHaveLength(2);
        expect(byId.get('acc-03')).toEqual({ id: 'acc-03', name: 'Cobalt Inc', tier: 'tier-1', mrr: 7000.5, renewalDate: '2027-03-01', health: { score: 60, color: 'yellow' } });
        expect(byId.get('acc-01')).toEqual({ id: 'acc-01', name: 'Acme Corp', tier: 'tier-1', mrr: 4200, renewalDate: null, health: { score: 85, color: 'green' } });
        expect(await store.accountSummaries([])).toEqual([]);
        await expect(store.accountSummaries([{ $gt: '' }] as unknown as string[])).rejects.toThrow('ids[0]: expected a string');
      });
      it('records carry the engine state', async () => {
        const rec = (await store.listAccounts({ ids: ['acc-03'] }, { limit: 1, offset: 0 })).items[0];
        expect(rec.state!.journeys.success.stage).toBe('adoption');
        expect(rec.state!.health!.color).toBe('yellow');
      });
    });
  });

  describe('events', () => {
    it('are idempotent by id, create unknown accounts, and make the account due', async () => {
      const e = (id: string, accountId = 'a1', minutes = 0) => ({ id, accountId, type: 'nps.response', occurredAt: at(minutes), data: { score: 3 } });
      expect(await store.insertEvents([e('e1'), e('e2', 'a1', 1)], at(5))).toEqual({ inserted: ['e1', 'e2'], duplicates: [] });
      expect(await store.insertEvents([e('e1'), e('e3', 'a1', 2), e('e3', 'a1', 2)], at(6))).toEqual({ inserted: ['e3'], duplicates: ['e1', 'e3'] });
      const list = await store.listEvents('a1', { limit: 10, offset: 0 });
      expect(list.total).toBe(3);
      expect(list.items.map((x) => x.id)).toEqual(['e3', 'e2', 'e1']);
      expect(list.items[2]).toEqual(e('e1'));
      const rec = await store.getAccount('a1');
      expect(rec!.account).toEqual({ id: 'a1', fields: {}, tags: [], flags: {} });
      expect(rec!.dueAt).toBe(at(5));
      const bundle = await store.loadForEvaluation('a1');
      expect(bundle.pendingEvents.map((x) => x.id)).toEqual(['e1', 'e2', 'e3']);
    });

    it('rejects an event without a valid time, naming it', async () => {
      await expect(store.insertEvents([{ id: 'e1', accountId: 'a1', type: 'x', occurredAt: 'yesterday', data: {} }], T0)).rejects.toThrow(/events\[0\]\.occurredAt/);
    });
  });

  describe('claims', () => {
    beforeEach(async () => {
      await store.upsertAccounts(['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => ({ id, fields: { name: id } })), T0);
    });

    it('two claimers never get the same account, and each lease is held until it expires', async () => {
      const [c1, c2] = await Promise.all([store.claimDue('w1', at(1), 5 * MIN, 3), store.claimDue('w2', at(1), 5 * MIN, 3)]);
      const ids = [...c1, ...c2].map((c) => c.accountId);
      expect(ids.sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
      expect(await store.claimDue('w3', at(2), 5 * MIN, 10)).toEqual([]);
      for (const c of c1) expect(c).toMatchObject({ workerId: 'w1', leaseUntil: at(6) });
    });

    it('claims the oldest due first and leaves accounts that are not due yet', async () => {
      await store.upsertAccounts([{ id: 'later', fields: {} }], at(30));
      await store.upsertAccounts([{ id: 'a3', fields: { x: 1 } }], at(-5));
      const claims = await store.claimDue('w1', at(10), 5 * MIN, 10);
      expect(claims.map((c) => c.accountId)).toEqual(['a3', 'a1', 'a2', 'a4', 'a5']);
    });

    it('an expired lease can be reclaimed, and the stale holder cannot commit', async () => {
      const [old] = await store.claimDue('w1', at(1), 5 * MIN, 1);
      expect(await store.claimDue('w2', at(5), 5 * MIN, 1)).toMatchObject([{ accountId: 'a2' }]);
      const [taken] = await store.claimDue('w2', at(7), 5 * MIN, 1);
      expect(taken.accountId).toBe(old.accountId);
      expect(taken.token).not.toBe(old.token);

      const b = await store.loadForEvaluation(old.accountId);
      const task = makeTask({ id: 'stale-task', accountId: old.accountId });
      const stale = { ...noopCommit(b, at(8)), effects: [{ kind: 'createTask' as const, task }], state: { ...emptyState(old.accountId), lastEvaluatedAt: 'stale' } };
      expect(await store.commitEvaluation(old, stale, at(8))).toBe(false);
      expect(await store.getTask('stale-task')).toBeNull();
      expect((await store.getAccount(old.accountId))!.state).toBeNull();

      expect(await store.commitEvaluation(taken, noopCommit(b, at(9)), at(9))).toBe(true);
      expect((await store.getAccount(old.accountId))!.state).not.toBeNull();
      // a claim can commit only once
      expect(await store.commitEvaluation(taken, noopCommit(b, at(9)), at(9))).toBe(false);
    });

    it('an upsert during an evaluation wins: the commit is refused and the account is due again at once', async () => {
      const [c] = await store.claimDue('w1', at(1), 5 * MIN, 1);
      const b = await store.loadForEvaluation(c.accountId);
      await store.upsertAccounts([{ id: c.accountId, fields: { mrr: 999 } }], at(2));
      expect(await store.commitEvaluation(c, { ...noopCommit(b, at(3)), account: { ...b.account, fields: { name: 'overwritten' } } }, at(3))).toBe(false);
      expect((await store.getAccount(c.accountId))!.account.fields).toEqual({ name: c.accountId, mrr: 999 });
      const again = await store.claimDue('w1', at(3), 5 * MIN, 10);
      expect(again.map((x) => x.accountId)).toContain(c.accountId);
    });
  });

  describe('commitEvaluation', () => {
    beforeEach(async () => {
      await store.upsertAccounts([{ id: 'a1', fields: { name: 'Acme', owner: 'u-ana' } }], T0);
    });

    it('writes account, state, instances and effects, schedules the next wake and releases the claim', async () => {
      await store.insertEvents([{ id: 'e1', accountId: 'a1', type: 'ticket.opened', occurredAt: T0, data: { priority: 'high' } }], T0);
      const task = makeTask({ id: 'task-1', accountId: 'a1', instanceId: 'inst-1' });
      const inst = makeInstance({ id: 'inst-1', accountId: 'a1', tasks: { 'task-1': 'task-1' }, wakeAt: at(60) });
      const health = makeHealth('red', at(1));
      const [claim] = await store.claimDue('w1', at(1), 5 * MIN, 10);
      const b = await store.loadForEvaluation('a1');
      expect(b.pendingEvents.map((e) => e.id)).toEqual(['e1']);
      const ok = await store.commitEvaluation(claim, {
        account: { ...b.account, fields: { ...b.account.fields, openTickets: 1 }, tags: ['ticket'] },
        state: { ...emptyState('a1', at(1)), health, journeys: { success: { stage: 'onboarding', enteredAt: at(1), history: [] } } },
        instances: [inst],
        effects: [
          { kind: 'createTask', task },
          { kind: 'stageChanged', accountId: 'a1', change: { journeyId: 'success', from: null, to: 'onboarding', at: at(1), reasonText: 'New account', reason: task.reason } },
          { kind: 'healthChanged', accountId: 'a1', health, previous: null },
          { kind: 'timeline', entry: { id: 'tl-1', accountId: 'a1', at: at(1), kind: 'task', text: 'Task created' } },
        ],
        nextWakeAt: at(60),
        processedEventIds: ['e1'],
      }, at(1));
      expect(ok).toBe(true);
      const rec = await store.getAccount('a1');
      expect(rec!.account.fields.openTickets).toBe(1);
      expect(rec!.account.tags).toEqual(['ticket']);
      expect(rec!.state!.health!.color).toBe('red');
      expect(rec!.dueAt).toBe(at(60));
      expect(await store.getTask('task-1')).toEqual(task);
      expect((await store.listInstances({ accountId: 'a1' }, { limit: 10, offset: 0 })).items).toEqual([inst]);
      expect((await store.listTimeline('a1', { limit: 10, offset: 0 })).items.map((e) => e.id)).toEqual(['tl-1']);
      expect(await store.listHealthHistory('a1', 10)).toEqual([health]);
      expect((await store.loadForEvaluation('a1')).pendingEvents).toEqual([]);
      // released: not claimable until due again
      expect(await store.claimDue('w2', at(2), 5 * MIN, 10)).toEqual([]);
      expect((await store.claimDue('w2', at(60), 5 * MIN, 10)).map((c) => c.accountId)).toEqual(['a1']);
      const bundle = await store.loadForEvaluation('a1');
      expect(bundle.instances).toEqual([inst]);
      expect(bundle.tasks).toEqual([task]);
      expect(await store.listTaskAudit('task-1')).toMatchObject([{ action: 'created', by: null }]);
    });

    it('is atomic: an effect that fails leaves nothing written and the claim held', async () => {
      const [claim] = await store.claimDue('w1', at(1), 5 * MIN, 10);
      const b = await store.loadForEvaluation('a1');
      const commit = {
        ...noopCommit(b, at(1)),
        instances: [makeInstance({ id: 'inst-1', accountId: 'a1' })],
        effects: [
          { kind: 'createTask' as const, task: makeTask({ id: 'task-1', accountId: 'a1' }) },
          { kind: 'timeline' as const, entry: { id: 'tl-1', accountId: 'a1', at: at(1), kind: 'task' as const, text: 'x' } },
          { kind: 'updateTask' as const, taskId: 'missing', changes: { title: 'x' }, note: 'n', at: at(1) },
        ],
        nextWakeAt: at(30),
      };
      await expect(store.commitEvaluation(claim, commit, at(1))).rejects.toThrow(/missing/);
      expect(await store.getTask('task-1')).toBeNull();
      expect((await store.listInstances({ accountId: 'a1' }, { limit: 10, offset: 0 })).total).toBe(0);
      expect((await store.listTimeline('a1', { limit: 10, offset: 0 })).total).toBe(0);
      const rec = await store.getAccount('a1');
      expect(rec!.state).toBeNull();
      expect(rec!.dueAt).toBe(T0);
      // still held by w1: nobody else can take it, and w1 can still commit
      expect(await store.claimDue('w2', at(2), 5 * MIN, 10)).toEqual([]);
      expect(await store.commitEvaluation(claim, noopCommit(b, at(2)), at(2))).toBe(true);
    });

    it('creates a task only once for a repeated key, even from a re-run', async () => {
      const first = makeTask({ id: 'task-k', accountId: 'a1', key: 'renewal:1:task-1:a1:2026-11-22', title: 'First' });
      expect(await evaluate(store, 'a1', at(1), () => ({ effects: [{ kind: 'createTask', task: first }] }))).toBe(true);
      const again = { ...first, title: 'Second', createdAt: at(2) };
      expect(await evaluate(store, 'a1', at(2), () => ({ effects: [{ kind: 'createTask', task: again }, { kind: 'createTask', task: again }] }))).toBe(true);
      const all = await store.listTasks({ accountId: 'a1' }, { limit: 10, offset: 0 });
      expect(all.total).toBe(1);
      expect(all.items[0].title).toBe('First');
    });

    it('updates and closes tasks from effects, with an audit trail', async () => {
      const t = makeTask({ id: 'task-1', accountId: 'a1' });
      await evaluate(store, 'a1', at(1), () => ({ effects: [{ kind: 'createTask', task: t }] }));
      await evaluate(store, 'a1', at(2), () => ({ effects: [{ kind: 'updateTask', taskId: 'task-1', changes: { priority: 'urgent', reasonText: 'Renewal in 80 days' }, note: 'still true', at: at(2) }] }));
      expect(await store.getTask('task-1')).toMatchObject({ priority: 'urgent', reasonText: 'Renewal in 80 days', updatedAt: at(2), status: 'open' });
      expect((await store.listTasks({ owner: 'u-ana', status: 'open', priority: 'urgent' }, { limit: 5, offset: 0 })).total).toBe(1);
      await evaluate(store, 'a1', at(3), () => ({ effects: [{ kind: 'closeTask', taskId: 'task-1', reason: 'exit criteria met', at: at(3) }] }));
      expect(await store.getTask('task-1')).toMatchObject({ status: 'closed', closedReason: 'exit criteria met' });
      expect((await store.listTaskAudit('task-1')).map((a) => [a.action, a.note])).toEqual([
        ['created', 'Renewal in 87 days'], ['updated', 'still true'], ['closed', 'exit criteria met'],
      ]);
    });

    it('keeps the account due when events arrived during the evaluation', async () => {
      const [claim] = await store.claimDue('w1', at(1), 5 * MIN, 10);
      const b = await store.loadForEvaluation('a1');
      await store.insertEvents([{ id: 'late', accountId: 'a1', type: 'usage.snapshot', occurredAt: at(1), data: {} }], at(1));
      expect(await store.commitEvaluation(claim, { ...noopCommit(b, at(2)), nextWakeAt: at(500) }, at(2))).toBe(true);
      expect((await store.getAccount('a1'))!.dueAt).toBe(at(2));
      expect((await store.loadForEvaluation('a1')).pendingEvents.map((e) => e.id)).toEqual(['late']);
    });
  });

  describe('batched evaluation', () => {
    beforeEach(async () => {
      await store.upsertAccounts(['b1', 'b2', 'b3', 'b4'].map((id) => ({ id, fields: { name: id, owner: 'u-ana' } })), T0);
    });

    it('loadForEvaluations returns for each account what loadForEvaluation does, and leaves out unknown ids', async () => {
      const done = makeTask({ id: 'done-1', accountId: 'b1', key: 'k-done', instanceId: 'inst-b1' });
      const open = makeTask({ id: 'open-1', accountId: 'b1', key: 'k-open', instanceId: 'inst-b1' });
      const inst = makeInstance({ id: 'inst-b1', accountId: 'b1', tasks: { a: 'done-1', b: 'open-1' } });
      await evaluate(store, 'b1', at(1), () => ({ instances: [inst], effects: [{ kind: 'createTask', task: done }, { kind: 'createTask', task: open }] }));
      await store.updateTask('done-1', { status: 'done', updatedAt: at(2) });
      await store.insertEvents([
        { id: 'e2', accountId: 'b2', type: 'x', occurredAt: at(5), data: { n: 2 } },
        { id: 'e1', accountId: 'b2', type: 'x', occurredAt: at(4), data: { n: 1 } },
      ], at(6));
      const batch = await store.loadForEvaluations(['b1', 'b2', 'b3', 'nope']);
      expect([...batch.keys()].sort()).toEqual(['b1', 'b2', 'b3']);
      for (const id of ['b1', 'b2', 'b3']) expect(batch.get(id)).toEqual(await store.loadForEvaluation(id));
      expect(batch.get('b1')!.tasks.map((t) => t.id).sort()).toEqual(['done-1', 'open-1']);
      expect(batch.get('b2')!.pendingEvents.map((e) => e.id)).toEqual(['e1', 'e2']);
      expect((await store.loadForEvaluations([])).size).toBe(0);
    });

    it('commitEvaluations commits each item as commitEvaluation would; a stale or bad item does not stop the others', async () => {
      const claims = await store.claimDue('w1', at(1), 5 * MIN, 10);
      expect(claims.map((c) => c.accountId)).toEqual(['b1', 'b2', 'b3', 'b4']);
      const bundles = await store.loadForEvaluations(claims.map((c) => c.accountId));
      const [c1, c2, c3, c4] = claims;
      const t1 = makeTask({ id: 'bt-1', accountId: 'b1', key: 'batch:b1' });
      const t3 = makeTask({ id: 'bt-3', accountId: 'b3', key: 'batch:b3' });
      // b2 was upserted after the claim (stale); b4's commit has an effect on a task that does not exist
      await store.upsertAccounts([{ id: 'b2', fields: { mrr: 5 } }], at(2));
      const results = await store.commitEvaluations([
        { claim: c1, commit: { ...noopCommit(bundles.get('b1')!, at(3)), effects: [{ kind: 'createTask', task: t1 }], nextWakeAt: at(90) } },
        { claim: c2, commit: noopCommit(bundles.get('b2')!, at(3)) },
        { claim: c3, commit: { ...noopCommit(bundles.get('b3')!, at(3)), effects: [{ kind: 'createTask', task: t3 }] } },
        { claim: c4, commit: { ...noopCommit(bundles.get('b4')!, at(3)), effects: [
          { kind: 'createTask', task: makeTask({ id: 'bt-4', accountId: 'b4', key: 'batch:b4' }) },
          { kind: 'closeTask', taskId: 'missing', reason: 'x', at: at(3) },
        ] } },
      ], at(3));
      expect(results.slice(0, 3)).toEqual([true, false, true]);
      expect(results[3]).toBeInstanceOf(Error);
      expect((results[3] as Error).message).toMatch(/missing/);
      expect(await store.getTask('bt-1')).toEqual(t1);
      expect(await store.getTask('bt-3')).toEqual(t3);
      expect(await store.getTask('bt-4')).toBeNull(); // the rejected item wrote nothing
      expect((await store.getAccount('b1'))!.dueAt).toBe(at(90));
      expect((await store.getAccount('b4'))!.state).toBeNull();
      // b2 was released and is due again at once; b4 is still held by its claim
      expect((await store.claimDue('w2', at(4), 5 * MIN, 10)).map((c) => c.accountId)).toEqual(['b2']);
      // a replay of the same batch with the spent claims writes nothing and creates no task twice
      expect(await store.commitEvaluations([{ claim: c1, commit: { ...noopCommit(bundles.get('b1')!, at(5)), effects: [{ kind: 'createTask', task: t1 }] } }], at(5)))
        .toEqual([false]);
      expect((await store.listTasks({ accountId: 'b1' }, { limit: 10, offset: 0 })).total).toBe(1);
      expect(await store.commitEvaluations([], at(5))).toEqual([]);
    });

    it('claims report failures in a row, so the worker can back off further each time', async () => {
      let [claim] = await store.claimDue('w1', at(1), 5 * MIN, 1);
      expect(claim.attempts).toBe(0);
      await store.failEvaluation(claim, 'boom', at(1), at(2));
      [claim] = (await store.claimDue('w1', at(3), 5 * MIN, 10)).filter((c) => c.accountId === claim.accountId);
      expect(claim.attempts).toBe(1);
    });

    it('nextDueAt is the earliest due time claimDue could take, leaving out live leases and incidents', async () => {
      await store.markDue(at(50), ['b1', 'b2', 'b3', 'b4']); // all already due at T0
      expect(await store.nextDueAt(at(1))).toBe(T0);
      const claims = await store.claimDue('w1', at(1), 5 * MIN, 10);
      expect(await store.nextDueAt(at(2))).toBeNull(); // every due account is leased
      expect(await store.nextDueAt(at(7))).toBe(T0); // the leases have expired
      const bundles = await store.loadForEvaluations(claims.map((c) => c.accountId));
      const results = await store.commitEvaluations(claims.map((claim, i) => ({
        claim, commit: { ...noopCommit(bundles.get(claim.accountId)!, at(2)), nextWakeAt: i === 0 ? null : at(100 - i * 10) },
      })), at(2));
      expect(results).toEqual([true, true, true, true]);
      expect(await store.nextDueAt(at(3))).toBe(at(70));
      for (let i = 0; i < 5; i++) {
        const [c] = await store.claimDue('w1', at(75 + i), 5 * MIN, 1);
        expect(c.accountId).toBe('b4');
        await store.failEvaluation(c, 'boom', at(75 + i), at(75 + i));
      }
      expect((await store.listIncidents()).map((x) => x.accountId)).toEqual(['b4']);
      expect(await store.nextDueAt(at(80))).toBe(at(80)); // b4 is in incident: not scheduled
    });
  });

  describe('tasks', () => {
    const data = fixture('queue.json');
    beforeEach(async () => {
      await createTasks(store, data.tasks.map((t: { id: string }, i: number) => makeTask({ ...t, accountId: `acc-${i % 3}` })), data.now);
    });

    for (const q of data.queues) {
      it(`queue order: ${q.name}`, async () => {
        const page = await store.listTasks(q.filter as TaskFilter, { limit: 50, offset: 0 }, 'queue');
        expect(page.items.map((t) => t.id)).toEqual(q.ids);
        expect(page.total).toBe(q.ids.length);
      });
    }

    it('lists queue heads in queue order with the flag, and reads a page of tasks by id', async () => {
      for (const q of data.queues) {
        const heads = await store.listTaskHeads(q.filter as TaskFilter, 50);
        expect(heads.map((h) => h.id), q.name).toEqual(q.ids);
      }
      await store.updateTask('t4', { flaggedRed: true, updatedAt: at(3) });
      const filter: TaskFilter = { owner: 'u-ana', status: 'open', visibleAt: data.now };
      const heads = await store.listTaskHeads(filter, 50);
      const full = (await store.listTasks(filter, { limit: 50, offset: 0 })).items;
      // dueAt as the store indexes it: normalised ISO time.
      expect(heads).toEqual(full.map((t) => ({ id: t.id, accountId: t.accountId, playbookId: t.playbookId, type: t.type, priority: t.priority, dueAt: new Date(t.dueAt).toISOString(), flaggedRed: t.flaggedRed })));
      expect(heads.find((h) => h.id === 't4')!.flaggedRed).toBe(true);
      expect((await store.listTaskHeads(filter, 2)).map((h) => h.id)).toEqual(full.slice(0, 2).map((t) => t.id));
      await expect(store.listTaskHeads(filter, 0)).rejects.toThrow(/limit/);

      const some = await store.listTasks({ ids: ['t4', 't1', 'nope'] }, { limit: 10, offset: 0 });
      expect(some.items.map((t) => t.id).sort()).toEqual(['t1', 't4']);
      expect(some.total).toBe(2);
      expect((await store.listTasks({ ids: [] }, { limit: 10, offset: 0 })).total).toBe(0);
      await expect(store.listTasks({ ids: [{ $ne: null } as never] }, { limit: 10, offset: 0 })).rejects.toThrow(/filter\.ids\[0\]/);
    });

    it('pages the queue and lists newest first on request', async () => {
      const page = await store.listTasks({ owner: 'u-ana', status: 'open', visibleAt: data.now }, { limit: 2, offset: 2 });
      expect(page.items.map((t) => t.id)).toEqual(['t4', 't3']);
      expect(page.total).toBe(6);
      await createTasks(store, [makeTask({ id: 't10', accountId: 'acc-0', createdAt: at(5, data.now) })], at(5, data.now));
      const created = await store.listTasks({}, { limit: 1, offset: 0 }, 'created');
      expect(created.items.map((t) => t.id)).toEqual(['t10']);
    });

    it('updateTask patches, returns the task, moves it in and out of the queue, and audits who did it', async () => {
      const done = await store.updateTask('t2', { status: 'done', completedAt: at(1), updatedAt: at(1), by: 'u-ana', note: 'completed' });
      expect(done).toMatchObject({ id: 't2', status: 'done', completedAt: at(1), updatedAt: at(1), title: 'Task t2' });
      expect(await store.getTask('t2')).toEqual(done);
      await store.updateTask('t3', { owner: 'u-ben', updatedAt: at(2), by: 'u-ana', note: 'reassigned' });
      await store.updateTask('t4', { snoozedUntil: '2026-11-30T00:00:00Z', flaggedRed: true, updatedAt: at(3) });
      await store.updateTask('t1', { steps: [{ id: 's1', title: 'Call the sponsor', dueAt: null, done: true, doneAt: at(4), doneBy: 'u-ana' }], updatedAt: at(4) });
      const queue = await store.listTasks({ owner: 'u-ana', status: 'open', visibleAt: data.now }, { limit: 50, offset: 0 });
      expect(queue.items.map((t) => t.id)).toEqual(['t5', 't7', 't1']);
      expect(queue.items[2].steps[0].done).toBe(true);
      expect((await store.getTask('t4'))!.flaggedRed).toBe(true);
      expect((await store.listTasks({ owner: 'u-ben', status: 'open' }, { limit: 50, offset: 0 })).items.map((t) => t.id)).toEqual(['t8', 't3']);
      expect(await store.updateTask('nope', { status: 'done', updatedAt: at(1) })).toBeNull();
      expect((await store.listTaskAudit('t3')).at(-1)).toMatchObject({ action: 'changed', by: 'u-ana', note: 'reassigned', changes: { owner: 'u-ben' }, at: at(2) });
    });

    it('taskCounts groups by any combination of type, owner, status, priority, day and week', async () => {
      expect(await store.taskCounts({}, ['owner', 'status'])).toEqual([
        { key: { owner: 'u-ana', status: 'done' }, count: 1 },
        { key: { owner: 'u-ana', status: 'open' }, count: 7 },
        { key: { owner: 'u-ben', status: 'open' }, count: 1 },
      ]);
      expect(await store.taskCounts({ status: 'open', owner: 'u-ana' }, ['type'])).toEqual([
        { key: { type: 'activity' }, count: 1 }, { key: { type: 'lifecycle' }, count: 1 },
        { key: { type: 'opportunity' }, count: 1 }, { key: { type: 'risk' }, count: 4 },
      ]);
      // 2026-11-22 is a Sunday: its week starts on Monday 2026-11-16
      await createTasks(store, [makeTask({ id: 'mon', accountId: 'acc-9', createdAt: '2026-11-23T10:00:00.000Z' })], '2026-11-23T10:00:00.000Z');
      expect(await store.taskCounts({}, ['createdDay'])).toEqual([
        { key: { createdDay: '2026-11-22' }, count: 9 }, { key: { createdDay: '2026-11-23' }, count: 1 },
      ]);
      expect(await store.taskCounts({ createdAfter: '2026-11-23T00:00:00.000Z' }, ['createdWeek', 'priority'])).toEqual([
        { key: { createdWeek: '2026-11-23', priority: 'medium' }, count: 1 },
      ]);
      expect(await store.taskCounts({ createdBefore: '2026-11-23T00:00:00.000Z' }, ['createdWeek'])).toEqual([
        { key: { createdWeek: '2026-11-16' }, count: 9 },
      ]);
      await expect(store.taskCounts({}, ['bogus' as 'type'])).rejects.toThrow(/bogus/);
    });
  });

  describe('timeline and history', () => {
    beforeEach(async () => {
      await store.upsertAccounts([{ id: 'a1', fields: { name: 'Acme' } }, { id: 'a2', fields: { name: 'Birch' } }], T0);
    });

    it('timeline is insert-if-absent by id and lists newest first', async () => {
      const entry = (id: string, minutes: number) => ({ id, accountId: 'a1', at: at(minutes), kind: 'activity' as const, subtype: 'call', text: `Call ${id}`, by: 'u-ana' });
      await store.addTimeline([entry('x1', 1), entry('x2', 3)]);
      await store.addTimeline([entry('x1', 1), { ...entry('x2', 3), text: 'changed' }, entry('x3', 2)]);
      const page = await store.listTimeline('a1', { limit: 2, offset: 0 });
      expect(page.total).toBe(3);
      expect(page.items.map((e) => e.id)).toEqual(['x2', 'x3']);
      expect(page.items[0].text).toBe('Call x2');
      await expect(store.addTimeline([{ ...entry('y', 1), accountId: 'ghost' }])).rejects.toThrow(/ghost/);
    });

    it('keeps stage changes as history rows, filterable by time and account', async () => {
      const reason = makeTask({ id: 'r', accountId: 'a1' }).reason;
      const change = (from: string | null, to: string, minutes: number) => ({ journeyId: 'success', from, to, at: at(minutes), reasonText: `${to} criteria met`, reason });
      await evaluate(store, 'a1', at(1), () => ({ effects: [{ kind: 'stageChanged', accountId: 'a1', change: change(null, 'onboarding', 1) }] }));
      await evaluate(store, 'a2', at(2), () => ({ effects: [{ kind: 'stageChanged', accountId: 'a2', change: change(null, 'onboarding', 2) }] }));
      await evaluate(store, 'a1', at(3 * 24 * 60), () => ({ effects: [{ kind: 'stageChanged', accountId: 'a1', change: change('onboarding', 'initial-value', 3 * 24 * 60) }] }));
      // a re-run of the same change adds nothing
      await evaluate(store, 'a1', at(3 * 24 * 60 + 1), () => ({ effects: [{ kind: 'stageChanged', accountId: 'a1', change: change('onboarding', 'initial-value', 3 * 24 * 60) }] }));
      const all = await store.listStageChanges({ journeyId: 'success' });
      expect(all.map((c) => [c.accountId, c.from, c.to])).toEqual([['a1', null, 'onboarding'], ['a2', null, 'onboarding'], ['a1', 'onboarding', 'initial-value']]);
      expect(all[2]).toMatchObject({ reasonText: 'initial-value criteria met', at: at(3 * 24 * 60) });
      expect((await store.listStageChanges({ journeyId: 'success', accountIds: ['a2'] })).map((c) => c.accountId)).toEqual(['a2']);
      expect((await store.listStageChanges({ journeyId: 'success', from: at(2), to: at(2) })).map((c) => c.accountId)).toEqual(['a2']);
      expect(await store.listStageChanges({ journeyId: 'other' })).toEqual([]);
    });

    it('keeps health snapshots, newest first', async () => {
      for (const [i, color] of (['green', 'yellow', 'red'] as const).entries()) {
        const h = makeHealth(color, at(i * DAY / MIN));
        await evaluate(store, 'a1', h.at, (b) => ({ state: { ...(b.state ?? emptyState('a1')), health: h }, effects: [{ kind: 'healthChanged', accountId: 'a1', health: h, previous: null }] }));
      }
      expect((await store.listHealthHistory('a1', 2)).map((h) => h.color)).toEqual(['red', 'yellow']);
      expect((await store.listHealthHistory('a1', 10)).length).toBe(3);
      expect((await store.listAccounts({ health: 'red' }, { limit: 10, offset: 0 })).items.map((r) => r.account.id)).toEqual(['a1']);
    });
  });

  describe('instances', () => {
    it('lists by account, playbook, status and version, and saveInstances replaces them', async () => {
      await store.upsertAccounts([{ id: 'a1', fields: {} }, { id: 'a2', fields: {} }], T0);
      const i1 = makeInstance({ id: 'i1', accountId: 'a1', version: 1 });
      const i2 = makeInstance({ id: 'i2', accountId: 'a2', version: 2, startedAt: at(1) });
      const i3 = makeInstance({ id: 'i3', accountId: 'a2', playbookId: 'onboarding', status: 'completed', startedAt: at(2) });
      await store.saveInstances([i1, i2, i3]);
      const ids = async (f: Parameters<Store['listInstances']>[0]) => (await store.listInstances(f, { limit: 10, offset: 0 })).items.map((i) => i.id);
      expect(await ids({})).toEqual(['i1', 'i2', 'i3']);
      expect(await ids({ playbookId: 'renewal', status: 'active' })).toEqual(['i1', 'i2']);
      expect(await ids({ playbookId: 'renewal', version: 2 })).toEqual(['i2']);
      expect(await ids({ accountId: 'a2' })).toEqual(['i2', 'i3']);
      await store.saveInstances([{ ...i1, version: 2, nodeId: 'task-2' }]);
      expect((await store.listInstances({ version: 2 }, { limit: 10, offset: 0 })).items.map((i) => [i.id, i.nodeId])).toEqual([['i1', 'task-2'], ['i2', 'wait-1']]);
    });
  });

  describe('incidents', () => {
    beforeEach(async () => {
      await store.upsertAccounts([{ id: 'a1', fields: {} }], T0);
      await evaluate(store, 'a1', T0, () => ({ instances: [makeInstance({ id: 'i1', accountId: 'a1' })] }));
    });

    it('after 5 failed attempts the account goes to incident, is no longer claimed, and retry brings it back', async () => {
      let now = at(1);
      await store.markDue(now, ['a1']);
      for (let attempt = 1; attempt <= 5; attempt++) {
        const [claim] = await store.claimDue('w1', now, 5 * MIN, 10);
        expect(claim?.accountId, `attempt ${attempt}`).toBe('a1');
        const rec = await store.failEvaluation(claim, 'compile error in renewal', now, at(attempt * 10));
        expect(rec).toEqual({ accountId: 'a1', message: 'compile error in renewal', at: now, attempts: attempt });
        if (attempt < 5) {
          expect(await store.listIncidents()).toEqual([]);
          expect(await store.claimDue('w1', now, 5 * MIN, 10)).toEqual([]); // waits for retryAt
        }
        now = at(attempt * 10);
      }
      expect(await store.listIncidents()).toEqual([{ accountId: 'a1', message: 'compile error in renewal', at: at(40), attempts: 5 }]);
      const [inst] = (await store.listInstances({ accountId: 'a1' }, { limit: 10, offset: 0 })).items;
      expect(inst).toMatchObject({ status: 'incident', incident: { message: 'compile error in renewal', attempts: 5 } });
      // new data does not bring it back by itself
      await store.upsertAccounts([{ id: 'a1', fields: { mrr: 1 } }], at(100));
      expect(await store.claimDue('w1', at(200), 5 * MIN, 10)).toEqual([]);

      expect(await store.retryIncident('a1', at(300))).toBe(true);
      expect(await store.retryIncident('a1', at(300))).toBe(false);
      expect(await store.listIncidents()).toEqual([]);
      expect((await store.listInstances({ accountId: 'a1' }, { limit: 10, offset: 0 })).items[0]).toMatchObject({ status: 'active', incident: null });
      const [claim] = await store.claimDue('w1', at(300), 5 * MIN, 10);
      expect(claim.accountId).toBe('a1');
      // a success resets the count
      expect(await store.commitEvaluation(claim, noopCommit(await store.loadForEvaluation('a1'), at(301)), at(301))).toBe(true);
      await store.markDue(at(302), ['a1']);
      const [c2] = await store.claimDue('w1', at(302), 5 * MIN, 10);
      expect((await store.failEvaluation(c2, 'again', at(302), at(303))).attempts).toBe(1);
    });

    it('a stale claim cannot record a failure', async () => {
      await store.markDue(at(1), ['a1']);
      const [old] = await store.claimDue('w1', at(1), 5 * MIN, 10);
      const [fresh] = await store.claimDue('w2', at(10), 5 * MIN, 10);
      expect(fresh.accountId).toBe('a1');
      expect((await store.failEvaluation(old, 'late failure', at(11), at(20))).attempts).toBe(0);
      expect(await store.commitEvaluation(fresh, noopCommit(await store.loadForEvaluation('a1'), at(12)), at(12))).toBe(true);
    });
  });

  it('markDue makes the given accounts, or all, due now', async () => {
    await store.upsertAccounts([{ id: 'a1', fields: {} }, { id: 'a2', fields: {} }, { id: 'a3', fields: {} }], T0);
    for (const id of ['a1', 'a2', 'a3']) await evaluate(store, id, T0, () => ({}));
    expect(await store.markDue(at(5), ['a2', 'ghost'])).toBe(1);
    expect((await store.claimDue('w', at(5), 5 * MIN, 10)).map((c) => c.accountId)).toEqual(['a2']);
    expect(await store.markDue(at(6))).toBe(3);
    expect((await store.claimDue('w', at(6), MIN, 10)).map((c) => c.accountId)).toEqual(['a1', 'a3']);
  });

  describe('definitions', () => {
    const base = { kind: 'playbook' as const, hash: 'h', author: 'u-ops', message: 'first', publishedAt: T0 };
    const content = (name: string) => ({ kind: 'playbook', id: 'renewal', name, nodes: [], edges: [] }) as never;

    it('numbers versions 1, 2, 3 per definition, and published versions never change', async () => {
      const v1 = await store.publishVersion({ ...base, definitionId: 'renewal', content: content('Renewal v1') });
      const v2 = await store.publishVersion({ ...base, definitionId: 'renewal', content: content('Renewal v2'), message: 'second', publishedAt: at(1) });
      const o1 = await store.publishVersion({ ...base, definitionId: 'onboarding', content: content('Onboarding') });
      const v3 = await store.publishVersion({ ...base, definitionId: 'renewal', content: content('Renewal v3'), publishedAt: at(2) });
      expect([v1.version, v2.version, v3.version, o1.version]).toEqual([1, 2, 3, 1]);
      (v1.content as { name: string }).name = 'mutated by a caller';
      expect((await store.getVersion('renewal', 1))!.content).toEqual(content('Renewal v1'));
      expect(await store.getVersion('renewal', 2)).toEqual({ ...base, definitionId: 'renewal', version: 2, content: content('Renewal v2'), message: 'second', publishedAt: at(1) });
      expect(await store.getVersion('renewal', 4)).toBeNull();
      expect((await store.listVersions('renewal')).map((v) => [v.version, v.message])).toEqual([[1, 'first'], [2, 'second'], [3, 'first']]);
      expect((await store.listVersions('renewal'))[0]).not.toHaveProperty('content');
      const latest = await store.latestVersions();
      expect(latest.map((v) => [v.definitionId, v.version])).toEqual([['onboarding', 1], ['renewal', 3]]);
    });

    it('concurrent publishes get distinct versions', async () => {
      const vs = await Promise.all([1, 2, 3, 4, 5].map((i) => store.publishVersion({ ...base, definitionId: 'renewal', content: content(`R${i}`) })));
      expect(vs.map((v) => v.version).sort()).toEqual([1, 2, 3, 4, 5]);
    });

    it('a first version is published once, however many callers race for it', async () => {
      const vs = await Promise.all([1, 2, 3].map((i) => store.publishFirstVersion({ ...base, definitionId: 'renewal', content: content(`R${i}`) })));
      const won = vs.filter((v) => v !== null);
      expect(won).toHaveLength(1);
      expect(won[0]!.version).toBe(1);
      expect((await store.listVersions('renewal')).map((v) => v.version)).toEqual([1]);
      expect((await store.getVersion('renewal', 1))!.content).toEqual(won[0]!.content);
      // Later versions are still numbered by publishVersion; a first version cannot be forced over them.
      await store.publishVersion({ ...base, definitionId: 'renewal', content: content('R2') });
      expect(await store.publishFirstVersion({ ...base, definitionId: 'renewal', content: content('again') })).toBeNull();
      expect((await store.listVersions('renewal')).map((v) => v.version)).toEqual([1, 2]);
    });
  });

  describe('users, sessions, tokens, meta', () => {
    const ana = { id: 'u-ana', name: 'Ana Ruiz', email: 'Ana@Example.com', roles: ['csm' as const], passwordHash: 'scrypt$16384$8$1$salt$hash', teamRole: 'csm', managerId: 'u-max' };

    it('users are found by id and by email, case-insensitively; an email belongs to one user', async () => {
      await store.upsertUser(ana);
      await store.upsertUser({ ...ana, id: 'u-ben', name: 'Ben', email: 'ben@example.com' });
      expect(await store.getUser('u-ana')).toEqual(ana);
      expect(await store.getUserByEmail('ana@example.COM')).toEqual(ana);
      expect(await store.getUserByEmail('nobody@example.com')).toBeNull();
      await store.upsertUser({ ...ana, name: 'Ana R.', roles: ['csm', 'author'] });
      expect((await store.getUser('u-ana'))!.roles).toEqual(['csm', 'author']);
      expect((await store.listUsers()).map((u) => u.id)).toEqual(['u-ana', 'u-ben']);
      await expect(store.upsertUser({ ...ana, id: 'u-eve' })).rejects.toThrow(/already used/);
    });

    it('sessions and API tokens', async () => {
      await store.upsertUser(ana);
      const s = { id: 'sess-1', userId: 'u-ana', expiresAt: at(60), createdAt: T0 };
      await store.createSession(s);
      expect(await store.getSession('sess-1')).toEqual(s);
      await store.deleteSession('sess-1');
      expect(await store.getSession('sess-1')).toBeNull();
      // A password change ends the user's other sessions, not this one and not another user's.
      await store.upsertUser({ ...ana, id: 'u-ben', email: 'ben@example.com' });
      for (const [id, userId] of [['s-a1', 'u-ana'], ['s-a2', 'u-ana'], ['s-a3', 'u-ana'], ['s-b1', 'u-ben']]) await store.createSession({ id, userId, expiresAt: at(60), createdAt: T0 });
      expect(await store.deleteUserSessions('u-ana', 's-a2')).toBe(2);
      expect((await Promise.all(['s-a1', 's-a2', 's-a3', 's-b1'].map((id) => store.getSession(id)))).map((x) => x?.id ?? null)).toEqual([null, 's-a2', null, 's-b1']);
      expect(await store.deleteUserSessions('u-ana')).toBe(1);
      expect(await store.getSession('s-a2')).toBeNull();
      const t = { id: 'tok-1', userId: 'u-ana', name: 'CI import', tokenHash: 'abc123', createdAt: T0, lastUsedAt: null };
      await store.createToken(t);
      expect(await store.findTokenByHash('abc123')).toEqual(t);
      expect(await store.findTokenByHash('other')).toBeNull();
    });

    it('meta is a small key/value', async () => {
      expect(await store.getMeta('demo-seeded')).toBeNull();
      await store.setMeta('demo-seeded', '1');
      await store.setMeta('demo-seeded', '2');
      expect(await store.getMeta('demo-seeded')).toBe('2');
    });

    it('setMetaIfAbsent lets exactly one of several callers claim a key, and keeps its value', async () => {
      const results = await Promise.all(['a', 'b', 'c'].map((who) => store.setMetaIfAbsent('demo.seeding', who)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = ['a', 'b', 'c'][results.indexOf(true)];
      expect(await store.getMeta('demo.seeding')).toBe(winner);
      expect(await store.setMetaIfAbsent('demo.seeding', 'late')).toBe(false);
      expect(await store.getMeta('demo.seeding')).toBe(winner);
    });
  });
});
