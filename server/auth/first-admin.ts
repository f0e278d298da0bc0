/**
 * A production first start gets no demo users (their password is public, in the README).
 * Instead, when the store has no users at all, one admin is created: WAYMARK_ADMIN_EMAIL and
 * WAYMARK_ADMIN_PASSWORD when set, else admin@localhost with a random password that is printed
 * once and should be changed (POST /api/auth/password).
 */
import type { Store, User } from '../store/types.js';
import { hashPassword, randomToken } from './passwords.js';

export const MIN_PASSWORD_LENGTH = 12;

export interface FirstAdmin {
  email: string;
  /** The generated password, to print once; null when it came from WAYMARK_ADMIN_PASSWORD. */
  generatedPassword: string | null;
}

export async function ensureFirstAdmin(store: Store, opts: { email?: string | null; password?: string | null }): Promise<FirstAdmin | null> {
  if ((await store.listUsers()).length > 0) return null;
  const email = (opts.email ?? '').trim().toLowerCase() || 'admin@localhost';
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new Error(`WAYMARK_ADMIN_EMAIL: "${opts.email}" is not an email address`);
  const given = opts.password ?? null;
  if (given !== null && given.length < MIN_PASSWORD_LENGTH) throw new Error(`WAYMARK_ADMIN_PASSWORD: use at least ${MIN_PASSWORD_LENGTH} characters`);
  const password = given ?? randomToken(18);
  const user: User = { id: 'admin', name: 'Administrator', email, roles: ['admin'], passwordHash: await hashPassword(password) };
  await store.upsertUser(user);
  return { email, generatedPassword: given === null ? password : null };
}
