/**
 * Roles are ordered viewer < csm < author < publisher < admin: a user passes a check when one
 * of their roles ranks at least as high as the lowest role the route accepts (admin passes all).
 */
import type { Role } from '../store/types.js';

export const ROLES: readonly Role[] = ['viewer', 'csm', 'author', 'publisher', 'admin'];
const RANK: Record<Role, number> = { viewer: 0, csm: 1, author: 2, publisher: 3, admin: 4 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function rankOf(roles: readonly Role[]): number {
  return roles.reduce((max, r) => Math.max(max, RANK[r] ?? -1), -1);
}

export function hasRole(userRoles: readonly Role[], needed: readonly Role[]): boolean {
  if (userRoles.includes('admin')) return true;
  if (needed.length === 0) return userRoles.length > 0;
  const min = Math.min(...needed.map((r) => RANK[r]));
  return rankOf(userRoles) >= min;
}

/** Publisher and admin may act on anyone's tasks; everyone else only on their own. */
export function canActForOthers(userRoles: readonly Role[]): boolean {
  return userRoles.includes('admin') || userRoles.includes('publisher');
}
