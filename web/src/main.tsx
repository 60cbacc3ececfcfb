// The reviewers' app: sign in with an API key, then runs → run → item, uploads and jobs (DESIGN §14).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, setUnauthorizedHandler } from './api.ts';
import { parseHash, useHash } from './router.ts';
import { type Me, forgetKey, storedKey, storeKey } from './session.ts';
import { SignIn } from './screens/sign-in.tsx';
import { RunsScreen } from './screens/runs.tsx';
import { RunScreen } from './screens/run.tsx';
import { ItemScreen } from './screens/item.tsx';
import { UploadScreen } from './screens/upload.tsx';
import { JobsScreen } from './screens/jobs.tsx';

function App() {
  const hash = useHash();
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(storedKey() !== null);
  const [signInMessage, setSignInMessage] = useState<string | null>(null);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      forgetKey();
      setMe(null);
      setSignInMessage('Your API key is no longer accepted (unknown or revoked). Sign in again.');
    });
    if (storedKey()) {
      api<Me>('/v1/me')
        .then(setMe)
        .catch(() => undefined)
        .finally(() => setChecking(false));
    }
  }, []);

  async function signIn(apiKey: string): Promise<void> {
    try {
      const who = await api<Me>('/v1/me', { key: apiKey });
      storeKey(apiKey);
      setSignInMessage(null);
      setMe(who);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        throw new Error('That API key was not accepted: it is unknown or revoked. Check it and try again.');
      }
      throw err;
    }
  }

  function signOut(): void {
    forgetKey();
    setMe(null);
    setSignInMessage('Signed out.');
    location.hash = '#/runs';
  }

  if (checking) return <p class="page">Checking your session…</p>;
  if (!me) return <SignIn onSignIn={signIn} message={signInMessage} />;

  const { route, query } = parseHash(hash);
  const current = route.name;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">OCRlty review</strong>
        <nav aria-label="Main">
          <a href="#/runs" aria-current={current === 'runs' || current === 'run' || current === 'item' ? 'page' : undefined}>
            Runs
          </a>
          <a href="#/upload" aria-current={current === 'upload' ? 'page' : undefined}>
            Upload
          </a>
          <a href="#/jobs" aria-current={current === 'jobs' || current === 'job' ? 'page' : undefined}>
            Jobs
          </a>
        </nav>
        <span class="who">
          {me.key_id} <span class="muted-text">({me.role})</span>
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1} class="page">
        {route.name === 'runs' && <RunsScreen query={query} />}
        {route.name === 'run' && <RunScreen runId={route.runId} query={query} />}
        {route.name === 'item' && <ItemScreen runId={route.runId} requestId={route.requestId} query={query} me={me} />}
        {route.name === 'upload' && <UploadScreen />}
        {(route.name === 'jobs' || route.name === 'job') && <JobsScreen />}
        {route.name === 'sign-in' && <RunsScreen query={query} />}
      </main>
      <footer class="foot">
        Read-only review: results can be inspected and filtered here; accepting or correcting them comes later.
      </footer>
    </>
  );
}

render(<App />, document.getElementById('app')!);
