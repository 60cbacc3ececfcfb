// WorkflowStarter on AWS Step Functions: StartExecution of the batch-extract state machine (STATE_MACHINE_ARN).
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Logger, WorkflowStarter } from '../../core/ports.ts';

export class StepFunctionsWorkflowStarter implements WorkflowStarter {
  readonly kind = 'stepfunctions' as const;

  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
    private readonly logger: Logger,
  ) {}

  async start(request: { jobId: string; executionName: string; input: { job_id: string } }): Promise<{ executionId: string }> {
    try {
      const out = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          // Named after the run and the job, so an operator finds it in the console.
          name: request.executionName,
          input: JSON.stringify(request.input),
        }),
      );
      return { executionId: out.executionArn ?? request.executionName };
    } catch (err) {
      // Same name and same input: the execution was already started (a retried request). Not an error.
      if (err instanceof Error && err.name === 'ExecutionAlreadyExists') {
        this.logger.warn('workflow_already_started', { job_id: request.jobId, execution: request.executionName });
        return { executionId: request.executionName };
      }
      throw err;
    }
  }
}

export function makeSfnClient(region: string): SFNClient {
  return new SFNClient({ region, maxAttempts: 4 });
}
