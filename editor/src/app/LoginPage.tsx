/** Sign-in: email + password against POST /api/auth/login; a clear message when it fails. */
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.js';
import type { Me } from './auth.js';
import { Logo } from './Logo.js';

export function LoginPage({ onSignedIn }: { onSignedIn: (user: Me) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!email.trim() || !password) {
      setError('Enter your email and password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const res = await api.post<{ user: Me }>('/api/auth/login', { email: email.trim(), password });
      onSignedIn(res.user);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) setError('That email and password do not match an account. Check them and try again.');
      else setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  }

  return (
    <main className="wm-login">
      <div className="wm-login-card">
        <Logo size={28} />
        <h1>Sign in to Waymark</h1>
        <div className="wm-muted">Your customer-success queue, accounts and playbooks.</div>
        <form onSubmit={submit} noValidate>
          {error && <div className="wm-error" role="alert" id="login-error">{error}</div>}
          <label className="wm-label">Email
            <input className="wm-input" type="email" name="email" autoComplete="username" autoFocus value={email}
              onChange={(e) => setEmail(e.target.value)} aria-invalid={!!error} aria-describedby={error ? 'login-error' : undefined} />
          </label>
          <label className="wm-label">Password
            <input className="wm-input" type="password" name="password" autoComplete="current-password" value={password}
              onChange={(e) => setPassword(e.target.value)} aria-invalid={!!error} />
          </label>
          <button type="submit" className="wm-btn wm-btn-primary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        </form>
      </div>
    </main>
  );
}
