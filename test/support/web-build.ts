// vitest global setup: builds the web UI once before the suite, so the local stacks serve a current web/dist.
import { buildWeb } from '../../web/build.ts';

export function setup(): void {
  buildWeb();
}
