/**
 * MongoDB store checks that need no server (none can run on the build machines; the
 * behaviour cases run in store-contract.test.ts when MONGODB_URL is set): filters are
 * built from strings only, so a caller's object can never become a query operator, and
 * bad input is rejected before anything is sent.
 */
import { describe, expect, it } from 'vitest';
import { MongoStore, accountQuery, taskQuery } from '../server/store/mongo.js';
import type { AccountFilter, TaskFilter } from '../server/store/types.js';
import { T0 } from './fixtures/store/helpers.js';

describe('MongoDB filters', () => {
  it('account filters hold plain strings, with search text escaped', () => {
    expect(accountQuery({ owner: 'u-ana', tier: 'tier-1', health: 'red', journey: 'success', stage: 'adoption', q: 'a.c*(e)', ids: ['x', 'y'] })).toEqual({
      owner: 'u-ana', tier: 'tier-1', healthColor: 'red',
      stages: { $elemMatch: { journey: 'success', stage: 'adoption' } },
      $or: [{ name: { $regex: 'a\\.c\\*\\(e\\)', $options: 'i' } }, { _id: { $regex: 'a\\.c\\*\\(e\\)', $options: 'i' } }],
      _id: { $in: ['x', 'y'] },
    });
    expect(accountQuery({ stage: 'adoption' })).toEqual({ 'stages.stage': 'adoption' });
  });

  it.each([
    [{ owner: { $ne: null } }, 'filter.owner'],
    [{ tier: { $gt: '' } }, 'filter.tier'],
    [{ q: { $regex: '.*' } }, 'filter.q'],
    [{ ids: [{ $exists: true }] }, 'filter.ids[0]'],
    [{ ids: 'a,b' }, 'filter.ids'],
  ])('an operator object in an account filter is refused: %j', (filter, where) => {
    expect(() => accountQuery(filter as unknown as AccountFilter)).toThrow(where);
  });

  it('task filters hold plain strings and normalised times', () => {
    expect(taskQuery({ owner: 'u-ana', status: ['open', 'done'], visibleAt: '2026-11-22T09:00:00Z', dueBefore: '2026-11-23T00:00:00+01:00', createdAfter: T0 })).toEqual({
      owner: 'u-ana', status: { $in: ['open', 'done'] },
      $or: [{ snoozedUntil: null }, { snoozedUntil: { $lte: '2026-11-22T09:00:00.000Z' } }],
      dueAt: { $lte: '2026-11-22T23:00:00.000Z' }, createdAt: { $gte: T0 },
    });
  });

  it.each([
    [{ owner: { $ne: 'x' } }, 'filter.owner'],
    [{ status: [{ $ne: 'open' }] }, 'filter.status[0]'],
    [{ dueBefore: { $gt: '' } }, 'filter.dueBefore'],
    [{ visibleAt: 'soon' }, 'filter.visibleAt'],
  ])('an operator object or bad time in a task filter is refused: %j', (filter, where) => {
    expect(() => taskQuery(filter as unknown as TaskFilter)).toThrow(where);
  });
});

describe('MongoStore without a server', () => {
  // Nothing here reaches the network: each call fails its input checks first.
  const store = new MongoStore('mongodb://127.0.0.1:9/', { dbName: 'unused', clientOptions: { serverSelectionTimeoutMS: 500 } });

  it('rejects bad input naming it, before querying', async () => {
    await expect(store.listAccounts({ owner: { $ne: 'x' } } as unknown as AccountFilter, { limit: 10, offset: 0 })).rejects.toThrow('filter.owner');
    await expect(store.upsertAccounts([{ id: 'a', fields: { $where: 'sleep(1)' } }], T0)).rejects.toThrow('field name "$where"');
    await expect(store.insertEvents([{ id: 'e', accountId: 'a', type: 't', occurredAt: 'later', data: {} }], T0)).rejects.toThrow('events[0].occurredAt');
    await expect(store.getTask({ $gt: '' } as unknown as string)).rejects.toThrow('id');
    await expect(store.getUserByEmail({ $ne: null } as unknown as string)).rejects.toThrow('email');
    await expect(store.findTokenByHash({ $exists: true } as unknown as string)).rejects.toThrow('tokenHash');
    await store.close();
  });
});
