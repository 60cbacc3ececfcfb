// Readiness probes of the real dependencies: each table, the bucket, and the model backend.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.ts';
import type { Probe } from '../core/system/readiness.ts';
import type { AppDeps } from './container.ts';

export function readinessProbes(deps: AppDeps): Record<string, Probe> {
  const { dynamo, config } = deps;
  const table =
    (name: string): Probe =>
    () =>
      dynamo.send(new GetCommand({ TableName: name, Key: { pk: 'ready#probe' } }));
  return {
    keys_table: table(config.dynamo.keysTable),
    jobs_table: table(config.dynamo.jobsTable),
    artifacts_table: async () =>
      dynamo.send(new GetCommand({ TableName: config.dynamo.artifactsTable, Key: { pk: 'ready#probe', sk: 'artifact' } })),
    bucket: () => deps.store.ping(),
    [`model_${config.inference.backend}`]: () => probeModelBackend(config.inference),
  };
}

/**
 * vLLM's GET /models with the key, over plain fetch: the readiness function does not need the whole
 * `openai` client in its bundle to know whether the server answers.
 */
export async function probeModelBackend(config: Config['inference']): Promise<void> {
  if (config.backend !== 'vllm') return;
  const res = await fetch(`${config.baseUrl}/models`, {
    headers: config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {},
    signal: AbortSignal.timeout(3000),
  }).catch((err: unknown) => {
    throw new Error(
      `unreachable: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`,
    );
  });
  if (!res.ok) throw new Error(`GET /models answered HTTP ${res.status}`);
}
