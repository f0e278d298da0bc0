// @vitest-environment happy-dom
/** The sign-in form: a wrong password or missing input gives a clear message; success hands over the user. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { LoginPage } from '../editor/src/app/LoginPage.js';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function fill(email: string, password: string) {
  fireEvent.change(screen.getByLabelText('Email'), { target: { value: email } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('sign-in form', () => {
  it('asks for both fields before calling the server', async () => {
    const fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
    render(<LoginPage onSignedIn={() => {}} />);
    fill('csm@waymark.test', '');
    expect((await screen.findByRole('alert')).textContent).toBe('Enter your email and password.');
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('shows a clear error on a wrong password and keeps the form usable', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { message: 'Invalid email or password' } }), { status: 401 })));
    const onSignedIn = vi.fn();
    render(<LoginPage onSignedIn={onSignedIn} />);
    fill('csm@waymark.test', 'wrong');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/do not match/);
    expect(screen.getByLabelText('Password').getAttribute('aria-invalid')).toBe('true');
    expect((screen.getByRole('button', { name: 'Sign in' }) as HTMLButtonElement).disabled).toBe(false);
    expect(onSignedIn).not.toHaveBeenCalled();
  });

  it('posts the credentials and hands the signed-in user over', async () => {
    const user = { id: 'csm-1', name: 'Maya Chen', email: 'csm@waymark.test', roles: ['csm'] };
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ user }), { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    const onSignedIn = vi.fn();
    render(<LoginPage onSignedIn={onSignedIn} />);
    fill(' csm@waymark.test ', 'waymark-demo');
    await waitFor(() => expect(onSignedIn).toHaveBeenCalledWith(user));
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/auth/login');
    expect(JSON.parse(String(init.body))).toEqual({ email: 'csm@waymark.test', password: 'waymark-demo' });
  });

  it('reports a server that cannot be reached', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch'); }));
    render(<LoginPage onSignedIn={() => {}} />);
    fill('csm@waymark.test', 'waymark-demo');
    expect((await screen.findByRole('alert')).textContent).toMatch(/Cannot reach the Waymark server/);
  });
});
