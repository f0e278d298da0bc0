/** Change my password (from the user menu); the first admin of a production install starts with a generated one. */
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.js';
import { ErrorBox, Modal, useToast } from './ui.js';

const MIN_LENGTH = 12;

export function PasswordDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | string | null>(null);
  const toast = useToast();

  function close() {
    setCurrent('');
    setNext('');
    setAgain('');
    setError(null);
    onClose();
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (next.length < MIN_LENGTH) { setError(`The new password needs at least ${MIN_LENGTH} characters.`); return; }
    if (next !== again) { setError('The two new passwords differ.'); return; }
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/auth/password', { currentPassword: current, newPassword: next });
      toast('Password changed');
      close();
    } catch (err) {
      const d = err instanceof ApiError ? err.details[0] : undefined;
      setError(d?.path === '/currentPassword' ? 'That is not your current password.' : d?.path === '/newPassword' ? `The new password ${d.message}.` : (err as Error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal title="Change password" open={open} onClose={close}>
      <form onSubmit={submit} aria-label="Change password" style={{ display: 'flex', flexDirection: 'column', gap: 10, minWidth: 'min(360px, 80vw)' }}>
        <label className="wm-label">Current password
          <input className="wm-input" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required />
        </label>
        <label className="wm-label">New password <span className="wm-muted wm-small">(at least {MIN_LENGTH} characters)</span>
          <input className="wm-input" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} required />
        </label>
        <label className="wm-label">New password again
          <input className="wm-input" type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} required />
        </label>
        {error && <ErrorBox error={error} />}
        <div style={{ display: 'flex', gap: 8, justifyContent: 'flex-end' }}>
          <button type="button" className="wm-btn" onClick={close}>Cancel</button>
          <button type="submit" className="wm-btn wm-btn-primary" disabled={busy}>{busy ? 'Saving…' : 'Change password'}</button>
        </div>
      </form>
    </Modal>
  );
}
