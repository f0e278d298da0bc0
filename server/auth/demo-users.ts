/**
 * The users a fresh install starts with: one per role plus the CSMs who own the demo book,
 * all with the password "waymark-demo". Created only when the store has no users at all.
 */
import type { Role, Store, User } from '../store/types.js';
import { hashPassword } from './passwords.js';

export const DEMO_PASSWORD = 'waymark-demo';

export interface DemoUserSpec { id: string; name: string; email: string; roles: Role[]; teamRole?: string; managerId?: string }

/** The 8 CSMs own accounts by id (csm-1..csm-8); csm-1 signs in as csm@waymark.test. */
export const DEMO_CSMS: DemoUserSpec[] = [
  { id: 'csm-1', name: 'Maya Chen', email: 'csm@waymark.test', roles: ['csm'], teamRole: 'csm', managerId: 'admin' },
  { id: 'csm-2', name: 'Daniel Okafor', email: 'daniel.okafor@waymark.test', roles: ['csm'], teamRole: 'csm', managerId: 'admin' },
  { id: 'csm-3', name: 'Sofia Martínez', email: 'sofia.martinez@waymark.test', roles: ['csm'], teamRole: 'csm', managerId: 'admin' },
  { id: 'csm-4', name: 'Liam O’Brien', email: 'liam.obrien@waymark.test', roles: ['csm'], teamRole: 'csm', managerId: 'admin' },
  { id: 'csm-5', name: 'Priya Raman', email: 'priya.raman@waymark.test', roles: ['csm'], teamRole: 'onboarding', managerId: 'admin' },
  { id: 'csm-6', name: 'Jonas Weber', email: 'jonas.weber@waymark.test', roles: ['csm'], teamRole: 'csm', managerId: 'admin' },
  { id: 'csm-7', name: 'Aiko Tanaka', email: 'aiko.tanaka@waymark.test', roles: ['csm'], teamRole: 'csm', managerId: 'admin' },
  { id: 'csm-8', name: 'Grace Mensah', email: 'grace.mensah@waymark.test', roles: ['csm'], teamRole: 'onboarding', managerId: 'admin' },
];

export const DEMO_USERS: DemoUserSpec[] = [
  { id: 'admin', name: 'Alex Morgan (Head of CS)', email: 'admin@waymark.test', roles: ['admin'], teamRole: 'cs-manager' },
  { id: 'publisher', name: 'Priya Shah (CS Ops lead)', email: 'publisher@waymark.test', roles: ['publisher'], teamRole: 'cs-ops' },
  { id: 'author', name: 'Tom Becker (CS Ops)', email: 'author@waymark.test', roles: ['author'], teamRole: 'cs-ops' },
  { id: 'viewer', name: 'Vera Lind (Finance)', email: 'viewer@waymark.test', roles: ['viewer'] },
  { id: 'support-1', name: 'Sam Rivera (Support manager)', email: 'support@waymark.test', roles: ['csm'], teamRole: 'support-manager' },
  ...DEMO_CSMS,
];

/** Creates the demo users if there are no users; returns the users created (empty if there were some). */
export async function ensureDemoUsers(store: Store): Promise<DemoUserSpec[]> {
  const existing = await store.listUsers();
  if (existing.length > 0) return [];
  // Each user gets its own salt (hashed in parallel on libuv's thread pool).
  const hashes = await Promise.all(DEMO_USERS.map(() => hashPassword(DEMO_PASSWORD)));
  for (const [i, spec] of DEMO_USERS.entries()) {
    const user: User = { ...spec, passwordHash: hashes[i] };
    await store.upsertUser(user);
  }
  return DEMO_USERS;
}

export function signInHint(): string {
  return [
    'Sign in with one of the demo users (password "waymark-demo"):',
    '  admin@waymark.test (admin), publisher@waymark.test, author@waymark.test, csm@waymark.test (a CSM with a book), viewer@waymark.test',
  ].join('\n');
}
