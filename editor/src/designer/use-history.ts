/**
 * Undo/redo for the document being edited. Consecutive edits with the same coalesce key
 * (typing in one text box) make one undo step; a transient edit (a node mid-drag) replaces
 * the present without a step.
 */
import { useCallback, useReducer } from 'react';

export interface HistoryState<T> {
  past: T[];
  present: T;
  future: T[];
  /** Key of the last edit, so typing coalesces. */
  lastKey: string | null;
}

export type HistoryAction<T> =
  | { type: 'set'; value: T; key?: string }
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'reset'; value: T };

const LIMIT = 200;

export function historyReducer<T>(s: HistoryState<T>, a: HistoryAction<T>): HistoryState<T> {
  switch (a.type) {
    case 'set':
      if (a.value === s.present) return s;
      if (a.key && a.key === s.lastKey) return { ...s, present: a.value, future: [] };
      return { past: [...s.past, s.present].slice(-LIMIT), present: a.value, future: [], lastKey: a.key ?? null };
    case 'undo':
      if (!s.past.length) return s;
      return { past: s.past.slice(0, -1), present: s.past[s.past.length - 1], future: [s.present, ...s.future], lastKey: null };
    case 'redo':
      if (!s.future.length) return s;
      return { past: [...s.past, s.present], present: s.future[0], future: s.future.slice(1), lastKey: null };
    case 'reset':
      return { past: [], present: a.value, future: [], lastKey: null };
  }
}

export function useHistory<T>(initial: T) {
  const [state, dispatch] = useReducer(historyReducer<T>, { past: [], present: initial, future: [], lastKey: null });
  const set = useCallback((value: T, key?: string) => dispatch({ type: 'set', value, key }), []);
  const undo = useCallback(() => dispatch({ type: 'undo' }), []);
  const redo = useCallback(() => dispatch({ type: 'redo' }), []);
  const reset = useCallback((value: T) => dispatch({ type: 'reset', value }), []);
  return { doc: state.present, set, undo, redo, reset, canUndo: state.past.length > 0, canRedo: state.future.length > 0 };
}
