// The state machines of functions/tasks.ts STATE_MACHINES, each from its ASL file with one definition
// substitution per `${Placeholder}` (the task function's ARN). Logging (ALL, no execution data) and X-Ray on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { StateMachineDefinitionFile, WorkflowTaskDefinition } from '../../functions/tasks.ts';
import type { Settings } from '../settings.ts';
import { bindAsl, hasDistributedMap } from './asl-bindings.ts';
import { stateMachineArn } from './needs.ts';
import type { ServiceFunction } from './service-function.ts';

/** The fixed name of a state machine: functions get its ARN from the name, so they need no reference. */
export const stateMachineName = (stage: string, id: string): string => `ocrlty-${stage}-${id}`;

export interface WorkflowsProps {
  settings: Settings;
  repoRoot: string;
  machines: readonly StateMachineDefinitionFile[];
  tasks: readonly WorkflowTaskDefinition[];
  /** The task functions by task state. */
  functions: ReadonlyMap<string, ServiceFunction>;
}

export interface Workflow {
  id: string;
  name: string;
  stateMachine: StateMachine;
  logGroup: LogGroup;
}

export class Workflows extends Construct {
  readonly workflows: Workflow[] = [];

  constructor(scope: Construct, id: string, props: WorkflowsProps) {
    super(scope, id);
    const { settings } = props;
    const stack = Stack.of(this);
    const used = new Set<string>();

    for (const machine of props.machines) {
      const text = readFileSync(join(props.repoRoot, machine.file), 'utf8');
      const bound = bindAsl(machine.file, text, props.tasks);
      const name = stateMachineName(settings.stage, machine.id);
      const ownArn = stateMachineArn(stack, name);
      const substitutions: Record<string, string> = {};
      const invoked: string[] = [];
      for (const [placeholder, task] of bound) {
        const fn = props.functions.get(task.state);
        if (!fn) throw new Error(`${machine.file}: no function was built for task ${task.state}`);
        substitutions[placeholder] = fn.fn.functionArn;
        invoked.push(fn.fn.functionArn);
        used.add(task.state);
      }

      const logGroup = new LogGroup(this, `${machine.id}-logs`, {
        logGroupName: `/aws/vendedlogs/states/${name}`,
        retention: settings.logRetentionDays as RetentionDays,
        removalPolicy: settings.isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      const role = new Role(this, `${machine.id}-role`, {
        assumedBy: new ServicePrincipal('states.amazonaws.com'),
        description: `${name}: invokes its task functions`,
      });
      // Unqualified function ARNs only: the ASL invokes `${...FunctionArn}` without version or alias.
      role.addToPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['lambda:InvokeFunction'], resources: invoked }));
      if (hasDistributedMap(JSON.parse(text))) {
        // A Distributed Map runs its items as child executions of this same state machine.
        role.addToPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['states:StartExecution'], resources: [ownArn] }));
        const children = stack.formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${name}/*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        });
        role.addToPolicy(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: ['states:DescribeExecution', 'states:StopExecution'],
            resources: [children],
          }),
        );
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${name}/*]`,
          reason:
            'Distributed Map child executions get generated names under this state machine; the wildcard covers only its own children.',
        });
      }

      const stateMachine = new StateMachine(this, machine.id, {
        stateMachineName: name,
        stateMachineType: StateMachineType.STANDARD,
        definitionBody: DefinitionBody.fromString(text),
        definitionSubstitutions: substitutions,
        role,
        logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
        tracingEnabled: true,
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Added by CDK for execution logging (logs:CreateLogDelivery and friends) and X-Ray (xray:PutTraceSegments): these APIs have no resource-level permissions.',
      });
      Validations.of(stateMachine).acknowledge({
        id: 'CloudFormation-Validate::E1029',
        reason: `The \${...} in DefinitionString are Step Functions DefinitionSubstitutions (one per task, checked by bindAsl), not Fn::Sub parameters.`,
      });
      this.workflows.push({ id: machine.id, name, stateMachine, logGroup });
    }

    const unused = props.tasks.filter((t) => !used.has(t.state));
    if (unused.length > 0) {
      throw new Error(
        `functions/tasks.ts declares tasks no ASL file invokes: ${unused.map((t) => `${t.state} (\${${t.placeholder}})`).join(', ')}`,
      );
    }
  }
}
