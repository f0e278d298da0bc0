/**
 * JSON body parsing that refuses prototype-pollution keys anywhere in the document
 * (__proto__, constructor, prototype), with a size limit.
 */
import express, { type RequestHandler } from 'express';
import { HttpError } from './errors.js';

export const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const JSON_LIMIT = '1mb';

/** Returns the JSON pointer of the first forbidden key, or null. Iterative so deep bodies cannot overflow the stack. */
export function findForbiddenKey(value: unknown): string | null {
  const stack: { v: unknown; p: string }[] = [{ v: value, p: '' }];
  while (stack.length) {
    const { v, p } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ v: item, p: `${p}/${i}` }));
      continue;
    }
    for (const key of Object.keys(v)) {
      const path = `${p}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (FORBIDDEN_KEYS.has(key)) return path;
      stack.push({ v: (v as Record<string, unknown>)[key], p: path });
    }
  }
  return null;
}

/**
 * True when no key of the parsed text can be a forbidden one: a key decodes to __proto__,
 * constructor or prototype only if the text holds that word or a \u escape (the only JSON
 * escape that yields letters or '_'). A bulk body of 10,000 records then skips the walk.
 */
const MAYBE_FORBIDDEN = /__proto__|constructor|prototype|\\u/;

/** Parses a JSON text, throwing HttpError 400 on syntax errors or forbidden keys. */
export function parseSafeJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `Request body is not valid JSON: ${(e as Error).message}`);
  }
  if (!MAYBE_FORBIDDEN.test(text)) return value;
  const bad = findForbiddenKey(value);
  if (bad !== null) {
    throw new HttpError(400, 'Request body contains a forbidden key', [{ path: bad, message: 'keys named __proto__, constructor or prototype are not allowed' }]);
  }
  return value;
}

/** Reads application/json bodies as text (size-limited) and parses them safely. */
export function safeJson(limit: string = JSON_LIMIT): RequestHandler[] {
  const readText = express.text({ type: ['application/json', 'application/*+json'], limit });
  const parse: RequestHandler = (req, _res, next) => {
    try {
      if (typeof req.body === 'string' && req.is(['application/json', 'application/*+json'])) {
        req.body = req.body.trim() === '' ? undefined : parseSafeJson(req.body);
      }
    } catch (e) {
      return next(e);
    }
    next();
  };
  return [readText, parse];
}
