// What the job and batch-workflow use cases are given: the stores, the workflow starter, the task catalog and
// the job settings (from config.ts). Kept apart from jobs.ts so the workflow's tasks and the job use cases
// can both depend on it without depending on each other.
import type { ImageLimits } from '../images/image.ts';
import type { TaskCatalog } from '../extract/task-catalog.ts';
import type { ArtifactIndex, ArtifactStore, Clock, JobStore, Logger, RunItemStore, WorkflowStarter } from '../ports.ts';
import type { BatchEvaluator } from './batch-artifact.ts';
import type { UploadSessionStore } from '../uploads/ports.ts';

export interface JobSettings {
  dataRoot: string;
  maxItems: number;
  maxConcurrency: number;
  defaultConcurrency: number;
  maxUploadFiles: number;
  maxUploadBytes: number;
  syncWaitS: number;
  syncPollMs: number;
  progressEveryN: number;
  progressMinSeconds: number;
  debugMode: boolean;
  allowOverwrite: boolean;
  imageLimits: ImageLimits;
}

export interface JobDeps {
  jobs: JobStore;
  runItems: RunItemStore;
  index: ArtifactIndex;
  store: ArtifactStore;
  workflow: WorkflowStarter;
  tasks: TaskCatalog;
  clock: Clock;
  logger: Logger;
  settings: JobSettings;
  /** Present when functions/core/eval/evaluate.ts is deployed with the batch functions. */
  evaluator?: BatchEvaluator;
  /** Upload sessions: PrepareBatch reads a completed session's files from them. */
  uploads?: UploadSessionStore;
}
