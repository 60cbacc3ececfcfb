// The process-wide model client: one per Lambda container or local-mode process, so its semaphore is the
// one GPU guard every model call in the process shares. Imported only by the functions that call the
// model (POST /v1/extract, ExtractItem): the `openai` package stays out of every other bundle.
import type { Config } from '../../config.ts';
import type { Logger, ModelClient } from '../../core/ports.ts';
import { InflightLimitedModel, Semaphore } from './inflight-limit.ts';
import { MockModelClient } from './mock.ts';
import { VllmModelClient } from './vllm.ts';

export function makeModelClient(config: Config['inference'], logger: Logger): ModelClient {
  const inner = config.backend === 'vllm' ? new VllmModelClient(config, logger) : new MockModelClient();
  return new InflightLimitedModel(inner, new Semaphore(config.maxInflight));
}

let shared: ModelClient | undefined;

export function sharedModelClient(config: Config['inference'], logger: Logger): ModelClient {
  shared ??= makeModelClient(config, logger);
  return shared;
}
