// @vitest-environment happy-dom
/**
 * Leaving a page with unsaved work: in-app navigation and the browser's Back button both ask
 * first; saying no keeps the user where they are, saying yes lets them go.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import { navigate, setSearch, useLeaveGuard, useLocation } from '../editor/src/app/router.js';

function Page({ dirty }: { dirty: boolean }) {
  const loc = useLocation();
  useLeaveGuard(dirty, 'Leave without saving?');
  return <p data-testid="where">{loc.pathname}</p>;
}

/** What the browser does on Back: move the location, then fire popstate. */
function pressBack(to: string) {
  window.history.replaceState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** happy-dom has no window.confirm: the test answers it. */
function stubConfirm() {
  const fn = vi.fn((_message?: string) => true);
  window.confirm = fn;
  return fn;
}

beforeEach(() => {
  window.history.replaceState(null, '', '/library');
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe('leave guard', () => {
  it('lets the user go freely when nothing is unsaved', () => {
    const confirm = stubConfirm();
    render(<Page dirty={false} />);
    act(() => navigate('/definitions/renewal'));
    expect(screen.getByTestId('where').textContent).toBe('/definitions/renewal');
    act(() => pressBack('/library'));
    expect(screen.getByTestId('where').textContent).toBe('/library');
    expect(confirm).not.toHaveBeenCalled();
  });

  it('keeps the user on the page when they decline, for a link and for Back', () => {
    act(() => navigate('/definitions/renewal'));
    const confirm = stubConfirm().mockReturnValue(false);
    render(<Page dirty />);
    act(() => navigate('/queue'));
    expect(confirm).toHaveBeenCalledWith('Leave without saving?');
    expect(window.location.pathname).toBe('/definitions/renewal');
    act(() => pressBack('/library'));
    expect(confirm).toHaveBeenCalledTimes(2);
    expect(window.location.pathname).toBe('/definitions/renewal');
    expect(screen.getByTestId('where').textContent).toBe('/definitions/renewal');
  });

  it('leaves when the user agrees, and filters on the same page never ask', () => {
    act(() => navigate('/definitions/renewal'));
    const confirm = stubConfirm().mockReturnValue(true);
    render(<Page dirty />);
    act(() => setSearch({ tab: 'preview' }));
    expect(confirm).not.toHaveBeenCalled();
    act(() => pressBack('/library'));
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('where').textContent).toBe('/library');
  });
});
