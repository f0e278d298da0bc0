/**
 * First start in production: no demo users with their public password and no demo book unless
 * asked for; one admin instead, from the environment or with a random password shown once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { ensureFirstAdmin } from '../server/auth/first-admin.js';
import { verifyPassword } from '../server/auth/passwords.js';
import { SqliteStore } from '../server/store/sqlite.js';

describe('first start', () => {
  it('production defaults to no demo book and no demo users; WAYMARK_SEED_DEMO=1 asks for both', () => {
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({ production: true, seedDemo: false, demoUsers: false });
    expect(loadConfig({ NODE_ENV: 'production', WAYMARK_SEED_DEMO: '1' })).toMatchObject({ seedDemo: true, demoUsers: true });
    expect(loadConfig({ NODE_ENV: 'production', WAYMARK_SEED_DEMO: '0' })).toMatchObject({ seedDemo: false, demoUsers: false });
    // Development keeps the demo: `npm start` on a fresh checkout shows a working book.
    expect(loadConfig({})).toMatchObject({ production: false, seedDemo: true, demoUsers: true });
    expect(loadConfig({ WAYMARK_SEED_DEMO: '0' })).toMatchObject({ seedDemo: false, demoUsers: true });
    expect(loadConfig({ NODE_ENV: 'production', WAYMARK_ADMIN_EMAIL: 'ops@acme.test', WAYMARK_ADMIN_PASSWORD: 'a-long-password' }))
      .toMatchObject({ adminEmail: 'ops@acme.test', adminPassword: 'a-long-password' });
  });

  const dirs: string[] = [];
  const stores: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  async function emptyStore(): Promise<SqliteStore> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-first-'));
    dirs.push(dir);
    const store = new SqliteStore(path.join(dir, 'w.db'), { backgroundCheckpoint: false });
    await store.init();
    stores.push(store);
    return store;
  }

  it('creates one admin with a random password shown once, and only on a store with no users', async () => {
    const store = await emptyStore();
    const first = await ensureFirstAdmin(store, {});
    expect(first).toMatchObject({ email: 'admin@localhost' });
    expect(first!.generatedPassword!.length).toBeGreaterThanOrEqual(20);
    const users = await store.listUsers();
    expect(users.map((u) => [u.email, u.roles])).toEqual([['admin@localhost', ['admin']]]);
    expect(await verifyPassword(first!.generatedPassword!, users[0].passwordHash)).toBe(true);
    expect(await ensureFirstAdmin(store, {})).toBeNull();
    expect(await store.listUsers()).toHaveLength(1);
  });

  it('takes the email and password from the environment, and refuses a weak one', async () => {
    const store = await emptyStore();
    await expect(ensureFirstAdmin(store, { email: 'ops@acme.test', password: 'short' })).rejects.toThrow(/WAYMARK_ADMIN_PASSWORD: use at least 12/);
    await expect(ensureFirstAdmin(store, { email: 'not an email', password: 'a-long-password' })).rejects.toThrow(/WAYMARK_ADMIN_EMAIL/);
    expect(await store.listUsers()).toEqual([]);
    expect(await ensureFirstAdmin(store, { email: 'Ops@Acme.test', password: 'a-long-password' })).toEqual({ email: 'ops@acme.test', generatedPassword: null });
    const [admin] = await store.listUsers();
    expect(await verifyPassword('a-long-password', admin.passwordHash)).toBe(true);
  });
});
