/**
 * The web app's one HTTP client for the Waymark REST API (docs/ARCHITECTURE.md).
 * Sends the session cookie, speaks JSON, turns the server's `{ error: { message, details } }`
 * into an ApiError, and sends the user to /login when the session is gone (401).
 */

export interface ApiErrorDetail { path: string; message: string }

export class ApiError extends Error {
  readonly status: number;
  readonly details: ApiErrorDetail[];
  constructor(status: number, message: string, details: ApiErrorDetail[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.details = details;
  }
}

/** Called on a 401 from any route but the sign-in itself; the shell replaces it to route to /login. */
let onUnauthorized: () => void = () => {
  if (typeof window !== 'undefined' && window.location.pathname !== '/login') {
    const next = window.location.pathname + window.location.search;
    window.location.assign('/login?next=' + encodeURIComponent(next));
  }
};

export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let payload: BodyInit | undefined;
  if (body !== undefined) {
    if (typeof body === 'string') {
      // Raw text (e.g. a CSV import); JSON bodies go through the object branch.
      headers['Content-Type'] = 'text/csv';
      payload = body;
    } else {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'Cannot reach the Waymark server. Check your connection and try again.');
  }
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try { data = JSON.parse(text); } catch { data = undefined; }
  }
  if (!res.ok) {
    const err = (data as { error?: { message?: string; details?: ApiErrorDetail[] } } | undefined)?.error;
    const message = err?.message || `${method} ${path} failed (${res.status} ${res.statusText})`;
    const apiError = new ApiError(res.status, message, Array.isArray(err?.details) ? err!.details! : []);
    if (res.status === 401 && !path.startsWith('/api/auth/')) onUnauthorized();
    throw apiError;
  }
  return data as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/** Builds a query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}
