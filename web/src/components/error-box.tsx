// An API failure as a reader sees it: what went wrong, with the code and status for a bug report.
import { messageOf } from '../api.ts';

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {messageOf(error)}
    </p>
  );
}
