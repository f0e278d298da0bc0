/**
 * The 8 CSMs who own the demo book (user ids csm-1..csm-8). The user records themselves
 * (roles, passwords) are created by server/auth/demo-users.ts, which holds the one list.
 */
import { DEMO_CSMS } from '../auth/demo-users.js';

export interface DemoPerson { id: string; name: string; email: string; teamRole?: string }

export const DEMO_PEOPLE: DemoPerson[] = DEMO_CSMS.map(({ id, name, email, teamRole }) => ({ id, name, email, teamRole }));

/** Onboarding specialists own most accounts that sign during the year. */
export const ONBOARDING_OWNERS = DEMO_PEOPLE.filter((p) => p.teamRole === 'onboarding').map((p) => p.id);
export const CSM_OWNERS = DEMO_PEOPLE.filter((p) => p.teamRole !== 'onboarding').map((p) => p.id);
