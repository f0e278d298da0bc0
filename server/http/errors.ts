/**
 * One error shape for every API failure: { error: { message, details?: [{ path, message }] } }.
 */
import type { ErrorRequestHandler, Response } from 'express';

export interface ErrorDetail { path: string; message: string }

export class HttpError extends Error {
  constructor(public status: number, message: string, public details?: ErrorDetail[], public extra?: Record<string, unknown>) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, details?: ErrorDetail[]) => new HttpError(400, message, details);
export const unauthorized = (message = 'Sign in first') => new HttpError(401, message);
export const forbidden = (message: string) => new HttpError(403, message);
export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);

export function sendError(res: Response, status: number, message: string, details?: ErrorDetail[], extra?: Record<string, unknown>): void {
  res.status(status).json({ error: { message, ...(details && details.length ? { details } : {}), ...(extra ?? {}) } });
}

/** Maps thrown errors (ours, body-parser's, anything else) to the one shape. */
export function errorHandler(opts: { production: boolean }): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof HttpError) return sendError(res, err.status, err.message, err.details, err.extra);
    const e = err as { type?: string; status?: number; statusCode?: number; message?: string; limit?: number };
    const status = e.status ?? e.statusCode;
    if (e.type === 'entity.too.large') return sendError(res, 413, `Request body is too large (limit ${formatBytes(e.limit)})`);
    if (e.type === 'entity.parse.failed') return sendError(res, 400, `Request body is not valid JSON: ${e.message}`);
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return sendError(res, 415, e.message ?? 'Unsupported encoding');
    if (typeof status === 'number' && status >= 400 && status < 500) return sendError(res, status, e.message ?? 'Bad request');
    console.error('[waymark] request failed:', err);
    sendError(res, 500, opts.production ? 'Internal error' : `Internal error: ${e.message ?? String(err)}`);
  };
}

function formatBytes(n: number | undefined): string {
  if (!n) return 'unknown';
  return n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MB` : `${Math.round(n / 1024)} KB`;
}
