/**
 * Who is calling: the wm_session cookie or an Authorization: Bearer API token.
 * authenticate() only identifies; requireRole() rejects.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Role, Store, User } from '../store/types.js';
import type { AuthedUser } from '../context.js';
import type { Clock } from '../clock.js';
import { sendError } from '../http/errors.js';
import { hasRole } from './roles.js';
import { sha256 } from './passwords.js';

export const SESSION_COOKIE = 'wm_session';
export const SESSION_DAYS = 7;

export function publicUser(u: User): AuthedUser {
  const { passwordHash: _omit, ...rest } = u;
  return rest;
}

export function readCookie(req: Request, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

export function authenticate(store: Store, clock: Clock): RequestHandler {
  return async (req, res, next) => {
    const nowIso = clock.now().toISOString();
    const auth = req.headers.authorization;
    if (auth && /^Bearer\s+/i.test(auth)) {
      const token = auth.replace(/^Bearer\s+/i, '').trim();
      const rec = token ? await store.findTokenByHash(sha256(token)) : null;
      if (!rec) return sendError(res, 401, 'The API token is not valid');
      const user = await store.getUser(rec.userId);
      if (!user) return sendError(res, 401, 'The API token belongs to a user that no longer exists');
      res.locals.user = publicUser(user);
      res.locals.authVia = 'token';
      return next();
    }
    const sid = readCookie(req, SESSION_COOKIE);
    if (sid) {
      const session = await store.getSession(sha256(sid));
      if (session && session.expiresAt > nowIso) {
        const user = await store.getUser(session.userId);
        if (user) {
          res.locals.user = publicUser(user);
          res.locals.authVia = 'session';
          res.locals.sessionId = session.id;
        }
      }
    }
    next();
  };
}

export function currentUser(res: Response): AuthedUser | null {
  return (res.locals.user as AuthedUser | undefined) ?? null;
}

/** The signed-in user or a thrown 401 (for handlers behind requireRole). */
export function userOf(res: Response): AuthedUser {
  const u = currentUser(res);
  if (!u) throw Object.assign(new Error('Sign in first'), { status: 401 });
  return u;
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const user = currentUser(res);
    if (!user) return sendError(res, 401, 'Sign in first');
    if (!hasRole(user.roles, roles)) {
      return sendError(res, 403, `This needs the ${roles.join(' or ')} role; you have ${user.roles.join(', ') || 'no role'}`);
    }
    next();
  };
}
