/**
 * Sign-in (session cookie), sign-out, who am I, and API tokens.
 */
import { Router, type Request } from 'express';
import type { ServerContext } from '../context.js';
import { assertValid } from '../http/validate.js';
import { HttpError, badRequest, sendError } from '../http/errors.js';
import { dummyHash, hashPassword, randomToken, sha256, verifyPassword } from '../auth/passwords.js';
import { MIN_PASSWORD_LENGTH } from '../auth/first-admin.js';
import { SESSION_COOKIE, SESSION_DAYS, publicUser, readCookie, userOf } from '../auth/middleware.js';

export const loginSchema = {
  type: 'object', required: ['email', 'password'], additionalProperties: false,
  properties: { email: { type: 'string', minLength: 3, maxLength: 320 }, password: { type: 'string', minLength: 1, maxLength: 1000 } },
} as const;

export const tokenSchema = {
  type: 'object', required: ['name'], additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

export const passwordSchema = {
  type: 'object', required: ['currentPassword', 'newPassword'], additionalProperties: false,
  properties: {
    currentPassword: { type: 'string', minLength: 1, maxLength: 1000 },
    newPassword: { type: 'string', minLength: MIN_PASSWORD_LENGTH, maxLength: 1000 },
  },
} as const;

const userSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, email: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } }, teamRole: { type: 'string' } },
};

/** A few wrong passwords are fine; a stream of them is an attack. Per email, in memory. */
const FAILURE_WINDOW_MS = 15 * 60_000;
const MAX_FAILURES = 10;
const failures = new Map<string, number[]>();

/** The failed attempts for an email within the window, and whether it has reached the limit. */
function recentFailures(email: string, nowMs: number): { recent: number[]; blocked: boolean } {
  const recent = (failures.get(email) ?? []).filter((t) => t > nowMs - FAILURE_WINDOW_MS);
  return { recent, blocked: recent.length >= MAX_FAILURES };
}

function recordFailure(email: string, recent: number[], nowMs: number): void {
  // Bounded memory: forget the oldest entries if someone sprays many emails.
  if (failures.size > 10_000 && !failures.has(email)) failures.delete(failures.keys().next().value!);
  failures.set(email, [...recent, nowMs]);
}

function isSecure(req: Request, production: boolean): boolean {
  return production || req.secure;
}

export function authRouter(ctx: ServerContext): Router {
  const r = Router();
  const maxAgeMs = SESSION_DAYS * 86_400_000;

  r.post('/api/auth/login', async (req, res) => {
    const body = assertValid<{ email: string; password: string }>(loginSchema, req.body);
    const email = body.email.trim().toLowerCase();
    const nowMs = ctx.clock.now().getTime();
    const { recent, blocked } = recentFailures(email, nowMs);
    if (blocked) return sendError(res, 429, 'Too many failed sign-ins for this email; try again in 15 minutes');
    const user = await ctx.store.getUserByEmail(email);
    const ok = user ? await verifyPassword(body.password, user.passwordHash) : (await verifyPassword(body.password, await dummyHash()), false);
    if (!user || !ok) {
      recordFailure(email, recent, nowMs);
      return sendError(res, 401, 'Email or password is wrong');
    }
    failures.delete(email);
    const sid = randomToken();
    const now = new Date(nowMs);
    await ctx.store.createSession({ id: sha256(sid), userId: user.id, createdAt: now.toISOString(), expiresAt: new Date(nowMs + maxAgeMs).toISOString() });
    res.cookie(SESSION_COOKIE, sid, { httpOnly: true, sameSite: 'lax', secure: isSecure(req, ctx.config.production), maxAge: maxAgeMs, path: '/' });
    res.json({ user: publicUser(user) });
  });

  r.post('/api/auth/logout', async (req, res) => {
    const sid = readCookie(req, SESSION_COOKIE);
    if (sid) await ctx.store.deleteSession(sha256(sid));
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: isSecure(req, ctx.config.production), path: '/' });
    res.json({ ok: true });
  });

  r.get('/api/auth/me', ctx.requireRole('viewer'), (_req, res) => {
    res.json({ user: userOf(res) });
  });

  /** Changes the signed-in user's password (e.g. the first admin's generated one). */
  r.post('/api/auth/password', ctx.requireRole('viewer'), async (req, res) => {
    const body = assertValid<{ currentPassword: string; newPassword: string }>(passwordSchema, req.body);
    if (res.locals.authVia === 'token') throw new HttpError(403, 'Change the password from a signed-in session, not with an API token');
    const user = await ctx.store.getUser(userOf(res).id);
    if (!user) throw new HttpError(401, 'Sign in first');
    // Wrong current passwords count towards the same limit as failed sign-ins.
    const nowMs = ctx.clock.now().getTime();
    const { recent, blocked } = recentFailures(user.email, nowMs);
    if (blocked) return sendError(res, 429, 'Too many wrong passwords for this account; try again in 15 minutes');
    if (!(await verifyPassword(body.currentPassword, user.passwordHash))) {
      recordFailure(user.email, recent, nowMs);
      throw badRequest('Request body is invalid', [{ path: '/currentPassword', message: 'is not your current password' }]);
    }
    if (body.newPassword === body.currentPassword) throw badRequest('Request body is invalid', [{ path: '/newPassword', message: 'must differ from the current password' }]);
    await ctx.store.upsertUser({ ...user, passwordHash: await hashPassword(body.newPassword) });
    // Whoever else was signed in as this user (e.g. with the old, leaked password) is signed out.
    const sid = readCookie(req, SESSION_COOKIE);
    const signedOut = await ctx.store.deleteUserSessions(user.id, sid ? sha256(sid) : undefined);
    res.json({ ok: true, otherSessionsEnded: signedOut });
  });

  /** Creates an API token for the signed-in user; the token text is shown only in this response. */
  r.post('/api/tokens', ctx.requireRole('viewer'), async (req, res) => {
    const body = assertValid<{ name: string }>(tokenSchema, req.body);
    const user = userOf(res);
    if (res.locals.authVia === 'token') throw new HttpError(403, 'Create API tokens from a signed-in session, not with another token');
    const token = `wm_${randomToken()}`;
    const id = `tok_${randomToken(9)}`;
    const createdAt = ctx.clock.now().toISOString();
    await ctx.store.createToken({ id, userId: user.id, name: body.name, tokenHash: sha256(token), createdAt, lastUsedAt: null });
    res.status(201).json({ id, name: body.name, token, createdAt, note: 'Store this token now: it is not shown again. Send it as "Authorization: Bearer <token>".' });
  });

  return r;
}

export const authOpenApi = {
  '/api/auth/login': {
    post: {
      tags: ['auth'], summary: 'Sign in; sets the wm_session cookie (httpOnly, SameSite=Lax, 7 days)', security: [],
      requestBody: { required: true, content: { 'application/json': { schema: loginSchema } } },
      responses: { 200: { description: 'Signed in', content: { 'application/json': { schema: { type: 'object', properties: { user: userSchema } } } } }, 401: { $ref: '#/components/responses/Error' }, 429: { $ref: '#/components/responses/Error' } },
    },
  },
  '/api/auth/logout': { post: { tags: ['auth'], summary: 'Sign out (ends the session)', security: [], responses: { 200: { description: 'Signed out' } } } },
  '/api/auth/password': {
    post: {
      tags: ['auth'], summary: 'Change your password (a signed-in session; at least 12 characters)',
      requestBody: { required: true, content: { 'application/json': { schema: passwordSchema } } },
      responses: { 200: { description: 'Changed' }, 400: { $ref: '#/components/responses/Error' }, 401: { $ref: '#/components/responses/Error' }, 403: { $ref: '#/components/responses/Error' }, 429: { $ref: '#/components/responses/Error' } },
    },
  },
  '/api/auth/me': { get: { tags: ['auth'], summary: 'The signed-in user', responses: { 200: { description: 'The user', content: { 'application/json': { schema: { type: 'object', properties: { user: userSchema } } } } }, 401: { $ref: '#/components/responses/Error' } } } },
  '/api/tokens': {
    post: {
      tags: ['auth'], summary: 'Create an API token (shown once; stored hashed) for Authorization: Bearer',
      requestBody: { required: true, content: { 'application/json': { schema: tokenSchema } } },
      responses: { 201: { description: 'The token' }, 400: { $ref: '#/components/responses/Error' } },
    },
  },
};
