// Readiness probes of the real dependencies: each table, the bucket, and the model backend.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Probe } from '../core/readiness.ts';
import type { AppDeps } from './container.ts';

export function readinessProbes(deps: AppDeps): Record<string, Probe> {
  const { dynamo, config } = deps;
  const table = (name: string): Probe => () => dynamo.send(new GetCommand({ TableName: name, Key: { pk: 'ready#probe' } }));
  return {
    keys_table: table(config.dynamo.keysTable),
    jobs_table: table(config.dynamo.jobsTable),
    artifacts_table: async () =>
      dynamo.send(new GetCommand({ TableName: config.dynamo.artifactsTable, Key: { pk: 'ready#probe', sk: 'artifact' } })),
    bucket: () => deps.store.ping(),
    [`model_${deps.model.backend}`]: () => deps.model.ping(),
  };
}
