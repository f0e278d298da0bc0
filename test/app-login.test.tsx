// @vitest-environment happy-dom
/** The sign-in form: a wrong password or missing input gives a clear message; success hands over the user. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { LoginPage } from '../editor/src/app/LoginPage.js';
import { PasswordDialog } from '../editor/src/app/PasswordDialog.js';
import { ToastProvider } from '../editor/src/app/ui.js';

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

describe('change password dialog', () => {
  function fillPasswords(current: string, next: string, again = next) {
    fireEvent.change(screen.getByLabelText('Current password'), { target: { value: current } });
    fireEvent.change(screen.getByLabelText(/^New password \(/), { target: { value: next } });
    fireEvent.change(screen.getByLabelText('New password again'), { target: { value: again } });
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
  }

  it('checks the new password twice before calling the server', async () => {
    const fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
    render(<ToastProvider><PasswordDialog open onClose={() => {}} /></ToastProvider>);
    fillPasswords('old-password', 'short');
    expect((await screen.findByRole('alert')).textContent).toMatch(/at least 12 characters/);
    fillPasswords('old-password', 'a-long-new-password', 'a-long-new-passwort');
    expect((await screen.findByRole('alert')).textContent).toMatch(/differ/);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('says when the current password is wrong, and closes with a confirmation when it is changed', async () => {
    const fetchMock = vi.fn(async (_url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body));
      return body.currentPassword === 'right-password'
        ? new Response(JSON.stringify({ ok: true }), { status: 200 })
        : new Response(JSON.stringify({ error: { message: 'Request body is invalid', details: [{ path: '/currentPassword', message: 'is not your current password' }] } }), { status: 400 });
    });
    vi.stubGlobal('fetch', fetchMock);
    const onClose = vi.fn();
    render(<ToastProvider><PasswordDialog open onClose={onClose} /></ToastProvider>);
    fillPasswords('wrong-password', 'a-long-new-password');
    expect((await screen.findByRole('alert')).textContent).toMatch(/not your current password/);
    expect(onClose).not.toHaveBeenCalled();
    fillPasswords('right-password', 'a-long-new-password');
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(await screen.findByText('Password changed')).toBeTruthy();
    const [url, init] = fetchMock.mock.calls[1] as unknown as [string, RequestInit];
    expect(url).toBe('/api/auth/password');
    expect(JSON.parse(String(init.body))).toEqual({ currentPassword: 'right-password', newPassword: 'a-long-new-password' });
  });
});
