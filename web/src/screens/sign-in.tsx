// Sign in with an API key: checked with GET /v1/me, kept in sessionStorage only.
import { useState } from 'preact/hooks';
import { messageOf } from '../api.ts';

export function SignIn({ onSignIn, message }: { onSignIn: (key: string) => Promise<void>; message: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSignIn(key.trim());
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sign-in page">
      <h1>OCRlty review</h1>
      <p>Sign in with an API key. It is kept in this browser tab only and forgotten when you close it.</p>
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}
      <form onSubmit={submit}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          required
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          aria-describedby={error ? 'sign-in-error' : undefined}
        />
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {error && (
        <p id="sign-in-error" class="error" role="alert">
          {error}
        </p>
      )}
    </main>
  );
}
