// Live polling that backs off: doubles the wait on 429/503 (or waits Retry-After), resets after a success,
// stops when the caller says it is done or the component goes away.
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from './api-error.ts';
import { POLL_BASE_MS, nextDelayMs } from './backoff.ts';

/**
 * Calls `tick` now and again after each answer until it returns true (done). `onError` sees each failure;
 * a 401 ends polling (the app signs out).
 */
export function usePoll(tick: () => Promise<boolean>, onError: (err: unknown) => void, deps: unknown[]): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = POLL_BASE_MS;
    const run = async () => {
      if (stopped) return;
      try {
        const done = await tickRef.current();
        delay = POLL_BASE_MS;
        if (done || stopped) return;
      } catch (err) {
        if (stopped) return;
        onError(err);
        if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 404)) return;
        delay = nextDelayMs(delay, err);
      }
      timer = setTimeout(run, delay);
    };
    void run();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
}
