// WorkflowStarter for local mode: the same ASL file executed in-process by aws-local-stepfunctions, each
// Task bound through functions/tasks.ts to the same handler module CDK deploys (DESIGN.md §2, §8).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { Logger, WorkflowStarter } from '../../functions/core/ports.ts';
import { STATE_MACHINES, WORKFLOW_TASKS, type WorkflowTaskDefinition } from '../../functions/tasks.ts';

type Asl = typeof import('aws-local-stepfunctions');
type TaskFn = (payload: unknown, context: Context) => Promise<unknown>;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ACCOUNT = '000000000000';

/** The ARN a placeholder stands for in local mode (only its shape matters: it is never called). */
export const localFunctionArn = (region: string, placeholder: string): string =>
  `arn:aws:lambda:${region}:${ACCOUNT}:function:ocrlty-local-${placeholder.replace(/FunctionArn$/, '')}`;

/** Reads an ASL file and replaces each `${Placeholder}` as CDK's definitionSubstitutions would. */
export function loadDefinition(id: string, substitute: (placeholder: string) => string): Record<string, unknown> {
  const machine = STATE_MACHINES.find((m) => m.id === id);
  if (!machine) throw new Error(`No state machine "${id}" in functions/tasks.ts`);
  const text = readFileSync(join(REPO_ROOT, machine.file), 'utf8');
  return JSON.parse(text.replace(/\$\{(\w+)\}/g, (_m, name: string) => substitute(name))) as Record<string, unknown>;
}

export interface LocalWorkflowOptions {
  region: string;
  logger: Logger;
  /** Replaces every ASL Retry interval (ms); undefined keeps the ASL's own backoff. */
  retryIntervalMs?: number;
  /** Called when an execution ends in error, so its job is never left running. */
  onExecutionFailed(jobId: string, error: { code: string; message: string }): Promise<unknown>;
}

export class LocalWorkflowStarter implements WorkflowStarter {
  readonly kind = 'local' as const;
  private readonly running = new Map<string, Promise<void>>();
  private built: Promise<InstanceType<Asl['StateMachine']>> | undefined;
  private handlers: Record<string, (input: unknown) => Promise<unknown>> | undefined;

  constructor(private readonly opts: LocalWorkflowOptions) {}

  async start(request: { jobId: string; executionName: string; input: { job_id: string } }): Promise<{ executionId: string }> {
    // Loaded lazily and by a computed name: the interpreter is a dev dependency that Lambda bundles never need.
    const machine = await this.machine();
    const executionId = `arn:aws:states:${this.opts.region}:${ACCOUNT}:execution:batch-extract:${request.executionName}`;
    const execution = machine.run(request.input, {
      overrides: {
        taskResourceLocalHandlers: this.taskHandlers() as never,
        ...(this.opts.retryIntervalMs !== undefined ? { retryIntervalOverrides: this.retryOverrides() } : {}),
      },
      context: {
        Execution: { Id: executionId, Name: request.executionName, Input: request.input, StartTime: new Date().toISOString() },
      },
    });
    const done = execution.result
      .then(() => {
        this.opts.logger.info('workflow_succeeded', { job_id: request.jobId, execution: request.executionName });
      })
      .catch(async (err: unknown) => {
        // The ASL's own failure path (FailBatch) has normally settled the job already; this is the backstop.
        this.opts.logger.error('workflow_failed', {
          job_id: request.jobId,
          execution: request.executionName,
          error: err instanceof Error ? err.name : 'unknown',
          message: err instanceof Error ? err.message : String(err),
        });
        await this.opts
          .onExecutionFailed(request.jobId, { code: 'internal_error', message: 'The batch workflow failed' })
          .catch(() => undefined);
      })
      .finally(() => this.running.delete(request.executionName));
    this.running.set(request.executionName, done);
    return { executionId };
  }

  /** The state machine, built (and its definition validated) once; each start is a new execution of it. */
  private machine(): Promise<InstanceType<Asl['StateMachine']>> {
    this.built ??= (async () => {
      const { StateMachine } = (await import('aws-local-stepfunctions')) as Asl;
      const definition = loadDefinition('batch-extract', (p) => localFunctionArn(this.opts.region, p));
      return new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
    })();
    this.built.catch(() => (this.built = undefined));
    return this.built;
  }

  /** Executions started by this process and not finished yet. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Resolves when every execution started so far has ended (tests, benchmarks, clean shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  private taskHandlers(): Record<string, (input: unknown) => Promise<unknown>> {
    this.handlers ??= localTaskHandlers();
    return this.handlers;
  }

  private retryOverrides(): Record<string, number> {
    return Object.fromEntries(WORKFLOW_TASKS.map((t) => [t.state, this.opts.retryIntervalMs!]));
  }
}

/** Every task of functions/tasks.ts bound to its handler module, keyed by ASL state name. */
export function localTaskHandlers(): Record<string, (input: unknown) => Promise<unknown>> {
  return Object.fromEntries(WORKFLOW_TASKS.map((t) => [t.state, bindTask(t)]));
}

/** `arn:aws:states:::lambda:invoke` locally: the handler gets the Payload as its event, the state gets `{Payload}`. */
function bindTask(task: WorkflowTaskDefinition): (input: unknown) => Promise<unknown> {
  let fn: Promise<TaskFn> | undefined;
  return async (input: unknown) => {
    fn ??= import(pathToFileURL(join(REPO_ROOT, task.handler)).href).then((m: Record<string, unknown>) => {
      const f = m[task.export];
      if (typeof f !== 'function') throw new Error(`${task.handler} has no export ${task.export}`);
      return f as TaskFn;
    });
    const payload = (input as { Payload?: unknown } | null)?.Payload ?? {};
    const result = await (await fn)(payload, lambdaContext(task));
    return { Payload: result ?? null };
  };
}

function lambdaContext(task: WorkflowTaskDefinition): Context {
  const deadline = Date.now() + task.timeoutS * 1000;
  const name = `ocrlty-local-${task.state}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:${ACCOUNT}:function:${name}`,
    memoryLimitInMB: String(task.memoryMb ?? 1024),
    awsRequestId: `local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
