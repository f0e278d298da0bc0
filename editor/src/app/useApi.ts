/** Loads one API resource with loading/error state and a reload for after changes. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api.js';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

export function useApi<T>(path: string | null): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: ApiError | null; loading: boolean; path: string | null }>(
    { data: undefined, error: null, loading: !!path, path },
  );
  const [nonce, setNonce] = useState(0);
  const live = useRef(true);
  useEffect(() => {
    live.current = true;
    return () => { live.current = false; };
  }, []);
  useEffect(() => {
    if (!path) return;
    let current = true;
    setState((s) => ({ data: s.path === path ? s.data : undefined, error: null, loading: true, path }));
    api.get<T>(path).then(
      (data) => { if (current) setState({ data, error: null, loading: false, path }); },
      (e: unknown) => {
        if (!current) return;
        const err = e instanceof ApiError ? e : new ApiError(0, e instanceof Error ? e.message : String(e));
        setState((s) => ({ data: s.data, error: err, loading: false, path }));
      },
    );
    return () => { current = false; };
  }, [path, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
