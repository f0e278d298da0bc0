/** The signed-in user, loaded once from /api/auth/me and shared through context. */
import { createContext, useContext } from 'react';

export type Role = 'viewer' | 'csm' | 'author' | 'publisher' | 'admin';

export interface Me { id: string; name: string; email: string; roles: Role[]; teamRole?: string }

export interface AuthValue {
  user: Me;
  signOut: () => Promise<void>;
}

export const AuthContext = createContext<AuthValue | null>(null);

export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside a signed-in shell');
  return v;
}

const RANK: Record<Role, number> = { viewer: 0, csm: 1, author: 2, publisher: 3, admin: 4 };

/** True when the user holds the role or one ranked above it (viewer < csm < author < publisher < admin). */
export function hasRole(user: Pick<Me, 'roles'> | null | undefined, role: Role): boolean {
  if (!user) return false;
  return user.roles.some((r) => (RANK[r] ?? -1) >= RANK[role]);
}

/** Leaders design playbooks and read team analytics. */
export function isLeader(user: Pick<Me, 'roles'>): boolean {
  return user.roles.some((r) => r === 'author' || r === 'publisher' || r === 'admin');
}

/** Can change tasks and log activities (viewers read only). */
export function canWork(user: Pick<Me, 'roles'>): boolean {
  return user.roles.some((r) => r !== 'viewer');
}
