// The workflow task table: plain data read by local mode (infra/local, through the local workflow adapter)
// and by the CDK app. One entry per `${Placeholder}` in an ASL file; `handler` + `export` name the
// Lambda entry point the Task state invokes with `arn:aws:states:::lambda:invoke`.
import type { Permission } from './routes.ts';

export interface WorkflowTaskDefinition {
  /** The ASL Task state's name (PascalCase, equal to the task id). */
  state: string;
  /** The `${...}` substitution in the ASL file that receives the function's ARN. */
  placeholder: string;
  /** Source file of the handler, relative to the repo root. */
  handler: string;
  /** Exported handler name in that file. */
  export: string;
  /** What the function touches: CDK turns each into env vars and least-privilege grants. */
  needs: Permission[];
  /** Lambda timeout; the ASL state's TimeoutSeconds is a little longer. */
  timeoutS: number;
  memoryMb?: number;
  /**
   * Reserved concurrency for the function, when it must be capped. ExtractItem's cap is the cloud half
   * of the global GPU guard: the value of VLLM_MAX_INFLIGHT (DESIGN.md §1).
   */
  reservedConcurrency?: 'VLLM_MAX_INFLIGHT';
  /** Decodes images (functions/adapters/images): the asset ships the Lambda build of sharp, libheif, PDFium. */
  decodesImages?: boolean;
}

export interface StateMachineDefinitionFile {
  id: string;
  /** ASL JSON (JSONPath) relative to the repo root. */
  file: string;
  /** The config variable that carries its ARN to the functions that start it. */
  arnEnvVar: 'STATE_MACHINE_ARN';
}

export const STATE_MACHINES: readonly StateMachineDefinitionFile[] = [
  { id: 'batch-extract', file: 'statemachines/batch-extract.asl.json', arnEnvVar: 'STATE_MACHINE_ARN' },
];

export const WORKFLOW_TASKS: readonly WorkflowTaskDefinition[] = [
  {
    state: 'PrepareBatch',
    placeholder: 'PrepareBatchFunctionArn',
    handler: 'functions/handlers/tasks/prepare-batch.ts',
    export: 'prepareBatchHandler',
    // Lists the data root, the source run or the upload session and writes one pending row per item (up to MAX_BATCH_ITEMS).
    needs: ['jobs:read', 'jobs:write', 'artifacts:read', 'artifacts:write', 'bucket:read', 'uploads:read'],
    timeoutS: 300,
    memoryMb: 512,
  },
  {
    state: 'ExtractItem',
    placeholder: 'ExtractItemFunctionArn',
    handler: 'functions/handlers/tasks/extract-item.ts',
    export: 'extractItemHandler',
    needs: ['jobs:read', 'jobs:write', 'artifacts:read', 'artifacts:write', 'bucket:read', 'bucket:write', 'model'],
    timeoutS: 300,
    memoryMb: 1024,
    reservedConcurrency: 'VLLM_MAX_INFLIGHT',
    decodesImages: true,
  },
  {
    state: 'RecordItemFailure',
    placeholder: 'RecordItemFailureFunctionArn',
    handler: 'functions/handlers/tasks/record-item-failure.ts',
    export: 'recordItemFailureHandler',
    needs: ['jobs:read', 'jobs:write', 'artifacts:read', 'artifacts:write', 'bucket:read', 'bucket:write'],
    timeoutS: 60,
  },
  {
    state: 'FinalizeBatch',
    placeholder: 'FinalizeBatchFunctionArn',
    handler: 'functions/handlers/tasks/finalize-batch.ts',
    export: 'finalizeBatchHandler',
    // Reads every item row of the run and writes the batch artifact (and the eval, in debug mode).
    needs: ['jobs:read', 'jobs:write', 'artifacts:read', 'artifacts:write', 'bucket:read', 'bucket:write'],
    timeoutS: 600,
    memoryMb: 1024,
  },
  {
    state: 'FailBatch',
    placeholder: 'FailBatchFunctionArn',
    handler: 'functions/handlers/tasks/fail-batch.ts',
    export: 'failBatchHandler',
    needs: ['jobs:read', 'jobs:write', 'artifacts:read', 'artifacts:write', 'bucket:read', 'bucket:write'],
    timeoutS: 600,
    memoryMb: 1024,
  },
];

export function workflowTask(state: string): WorkflowTaskDefinition {
  const t = WORKFLOW_TASKS.find((d) => d.state === state);
  if (!t) throw new Error(`No workflow task "${state}" in functions/tasks.ts`);
  return t;
}
