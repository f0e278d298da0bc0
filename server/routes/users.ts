/**
 * Users: the list every screen needs (owners, reassign), and admin-only user creation.
 */
import { Router } from 'express';
import type { ServerContext } from '../context.js';
import type { Role } from '../store/types.js';
import { assertValid } from '../http/validate.js';
import { conflict } from '../http/errors.js';
import { hashPassword } from '../auth/passwords.js';
import { publicUser } from '../auth/middleware.js';
import { ROLES } from '../auth/roles.js';

export const createUserSchema = {
  type: 'object', required: ['id', 'name', 'email', 'password', 'roles'], additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_.-]*$', maxLength: 80 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    email: { type: 'string', format: 'email', maxLength: 320 },
    password: { type: 'string', minLength: 8, maxLength: 1000 },
    roles: { type: 'array', items: { enum: [...ROLES] }, minItems: 1, uniqueItems: true },
    teamRole: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$', maxLength: 80 },
    managerId: { type: 'string', maxLength: 80 },
  },
} as const;

const userItem = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, email: { type: 'string' }, roles: { type: 'array', items: { enum: [...ROLES] } }, teamRole: { type: 'string' }, managerId: { type: 'string' } },
};

export function usersRouter(ctx: ServerContext): Router {
  const r = Router();
  r.get('/api/users', ctx.requireRole('viewer'), async (_req, res) => {
    const users = await ctx.store.listUsers();
    res.json({ items: users.map(publicUser).sort((a, b) => a.name.localeCompare(b.name)) });
  });
  r.post('/api/users', ctx.requireRole('admin'), async (req, res) => {
    const body = assertValid<{ id: string; name: string; email: string; password: string; roles: Role[]; teamRole?: string; managerId?: string }>(createUserSchema, req.body);
    if (await ctx.store.getUser(body.id)) throw conflict(`A user with id "${body.id}" already exists`);
    if (await ctx.store.getUserByEmail(body.email)) throw conflict(`A user with email "${body.email}" already exists`);
    const { password, ...rest } = body;
    const user = { ...rest, email: body.email.toLowerCase(), passwordHash: await hashPassword(password) };
    await ctx.store.upsertUser(user);
    res.status(201).json({ user: publicUser(user) });
  });
  return r;
}

export const usersOpenApi = {
  '/api/users': {
    get: { tags: ['users'], summary: 'All users (viewer+)', responses: { 200: { description: 'Users', content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: userItem } } } } } } } },
    post: {
      tags: ['users'], summary: 'Create a user (admin)',
      requestBody: { required: true, content: { 'application/json': { schema: createUserSchema } } },
      responses: { 201: { description: 'Created' }, 400: { $ref: '#/components/responses/Error' }, 409: { $ref: '#/components/responses/Error' } },
    },
  },
};
