// ExtractItem (ASL Task, in the Map): one item through the shared extract use case and GPU guard.
import { appDeps, batchDepsOf } from '../../adapters/container.ts';
import { sharedDecoder } from '../../adapters/images/shared.ts';
import { sharedModelClient } from '../../adapters/model/shared.ts';
import { type BatchDeps, extractItem } from '../../core/batch/extract-item.ts';
import { taskHandler } from './task-handler.ts';

export const makeExtractItemHandler = (getDeps: () => Promise<BatchDeps>) =>
  taskHandler('ExtractItem', getDeps, { needsSeq: true }, (p, deps) => extractItem(deps, { jobId: p.job_id, seq: p.seq! }));

export const extractItemHandler = makeExtractItemHandler(async () => {
  const deps = await appDeps();
  return batchDepsOf(deps, sharedModelClient(deps.config.inference, deps.logger), sharedDecoder());
});
