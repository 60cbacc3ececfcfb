// The cloud half of the global GPU guard (DESIGN.md §1): every function that sends inference requests to
// vLLM gets reserved concurrency, and the reservations add up to VLLM_MAX_INFLIGHT. Each container makes
// one model call at a time (VLLM_MAX_INFLIGHT=1 in its env), so reserved concurrency = calls in flight.
//
//   batch (ExtractItem task)     vllmMaxInflight - vllmSyncInflight   excess items wait in the ASL Retry
//   sync  (POST /v1/extract)     vllmSyncInflight                     excess requests get 503 at once
//
// A separate sync share keeps interactive calls working while a large batch holds every batch slot.
import type { RouteDefinition } from '../functions/routes.ts';
import type { WorkflowTaskDefinition } from '../functions/tasks.ts';
import type { Settings } from './settings.ts';

/** Routes whose 'model' need is a readiness ping (GET /models), not inference: no GPU slot. */
export const MODEL_PROBE_ROUTES: readonly string[] = ['ready'];
/** The one route that calls the model synchronously; it gets the sync share. */
export const SYNC_MODEL_ROUTE = 'extract';

export interface GpuBudget {
  /** Reserved concurrency by route id. */
  routes: Map<string, number>;
  /** Reserved concurrency by task state. */
  tasks: Map<string, number>;
}

/**
 * Splits VLLM_MAX_INFLIGHT between the model callers. Throws when a route or task needs 'model' but
 * has no place in the budget, so a new model caller cannot slip past the guard.
 */
export function gpuBudget(
  settings: Settings,
  routes: readonly RouteDefinition[],
  tasks: readonly WorkflowTaskDefinition[],
): GpuBudget {
  const { maxInflight, syncInflight } = settings.vllm;
  const budget: GpuBudget = { routes: new Map(), tasks: new Map() };
  for (const route of routes) {
    if (!route.needs.includes('model') || MODEL_PROBE_ROUTES.includes(route.id)) continue;
    if (route.id !== SYNC_MODEL_ROUTE) {
      throw new Error(
        `route "${route.id}" needs 'model' but has no GPU share: give it one in infra/gpu-budget.ts ` +
          `(or list it in MODEL_PROBE_ROUTES if it only pings the backend)`,
      );
    }
    budget.routes.set(route.id, syncInflight);
  }
  const batchCallers = tasks.filter((t) => t.needs.includes('model') || t.reservedConcurrency !== undefined);
  for (const task of batchCallers) {
    if (task.reservedConcurrency !== 'VLLM_MAX_INFLIGHT') {
      throw new Error(
        `workflow task "${task.state}" needs 'model' but is not capped: set reservedConcurrency: 'VLLM_MAX_INFLIGHT' in functions/tasks.ts`,
      );
    }
  }
  if (batchCallers.length > 1) {
    throw new Error(
      `several workflow tasks call the model (${batchCallers.map((t) => t.state).join(', ')}): split the batch share in infra/gpu-budget.ts`,
    );
  }
  for (const task of batchCallers) budget.tasks.set(task.state, maxInflight - syncInflight);
  return budget;
}
