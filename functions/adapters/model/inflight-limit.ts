// The global GPU guard for one process: at most N model calls at once; the rest wait their turn.
// In the cloud the same cap is the extract function's reserved concurrency (DESIGN.md §1).
import type { ModelAnswer, ModelClient, ModelRequest } from '../../core/ports.ts';

export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly capacity: number) {}

  get inUse(): number {
    return this.active;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.capacity) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export class InflightLimitedModel implements ModelClient {
  readonly backend: string;
  readonly model: string;

  constructor(
    private readonly inner: ModelClient,
    private readonly semaphore: Semaphore,
  ) {
    this.backend = inner.backend;
    this.model = inner.model;
  }

  complete(request: ModelRequest): Promise<ModelAnswer> {
    return this.semaphore.run(() => this.inner.complete(request));
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }
}
