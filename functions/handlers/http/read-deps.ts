// The read routes' dependencies, picked from the container (runs, drill-down, evals, debug artifacts).
import type { AppDeps } from '../../adapters/container.ts';
import type { ReadDeps } from '../../core/runs/artifact-read.ts';
import type { DebugDeps } from '../../core/debug/debug-artifacts.ts';
import type { RunEvalDeps } from '../../core/eval/evaluate.ts';
import type { HttpDeps } from '../../http/chain.ts';

export function readDepsOf(d: AppDeps): HttpDeps & ReadDeps {
  return {
    config: d.config,
    logger: d.logger,
    clock: d.clock,
    index: d.index,
    store: d.store,
    runItems: d.runItems,
    links: d.links,
    settings: {
      debugMode: d.config.debugMode,
      maxResponseBytes: d.config.maxResponseBytes,
      presignTtlS: d.config.s3.presignTtlS,
    },
  };
}

export function debugDepsOf(d: AppDeps): HttpDeps & DebugDeps {
  const read = readDepsOf(d);
  return { ...read, packer: d.packer, settings: { ...read.settings, ...d.config.debugTools } };
}

export function evalDepsOf(d: AppDeps): HttpDeps & ReadDeps & RunEvalDeps {
  const read = readDepsOf(d);
  return {
    ...read,
    settings: { ...read.settings, ...d.config.evaluation, dataRoot: d.config.batch.dataRoot },
  };
}
