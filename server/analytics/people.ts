/**
 * Who is who in analytics: which users are CSMs (the Team view counts them), and whose queue
 * a role-owned task ("role:<teamRole>") sits in - the queue shows it to every user with
 * that team role, so analytics attributes it the same way.
 */
import type { Role } from '../store/types.js';

export interface PersonLike { id: string; name: string; roles: readonly Role[]; teamRole?: string }

/** Team roles that carry a book of accounts (an onboarding specialist is a CSM too). */
const CSM_TEAM_ROLES = new Set(['csm', 'onboarding']);

/** A CSM: has the csm role and no team role, or a CSM team role (not support, ops or management). */
export function isCsm(u: PersonLike): boolean {
  if (!u.roles.includes('csm') || u.roles.includes('admin')) return false;
  return u.teamRole === undefined || CSM_TEAM_ROLES.has(u.teamRole);
}

/** "cs-manager" -> "CS manager", "support-manager" -> "Support manager", "csm" -> "CSM". */
export function teamRoleLabel(teamRole: string): string {
  const words = teamRole.split(/[-_]+/).filter(Boolean).map((w) => (w === 'cs' || w === 'csm' ? w.toUpperCase() : w));
  const text = words.join(' ');
  return text ? text[0].toUpperCase() + text.slice(1) : teamRole;
}

export interface QueueOwner {
  /** The user id the task counts for, or null when no single user holds the team role. */
  userId: string | null;
  name: string;
}

/** Resolves a task owner: a user id as is; role:<teamRole> to the one user with it, else "<Team role> queue". */
export function resolveOwner(owner: string, users: readonly PersonLike[]): QueueOwner {
  if (!owner.startsWith('role:')) return { userId: owner, name: users.find((u) => u.id === owner)?.name ?? owner };
  const teamRole = owner.slice(5);
  const holders = users.filter((u) => u.teamRole === teamRole);
  if (holders.length === 1) return { userId: holders[0].id, name: holders[0].name };
  return { userId: null, name: `${teamRoleLabel(teamRole)} queue` };
}
