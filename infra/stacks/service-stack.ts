// The stateless half of a stage: a function per route and per workflow task plus the authorizer, the
// REST API, the state machines, alarms and dashboard. Everything is derived from the route table
// (functions/routes.ts) and the task table (functions/tasks.ts); props can replace both for drift tests.
import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ROUTES, type RouteDefinition } from '../../functions/routes.ts';
import {
  STATE_MACHINES,
  type StateMachineDefinitionFile,
  WORKFLOW_TASKS,
  type WorkflowTaskDefinition,
} from '../../functions/tasks.ts';
import { HttpApi } from '../constructs/http-api.ts';
import { type NeedsContext, stateMachineArn } from '../constructs/needs.ts';
import { Operations } from '../constructs/operations.ts';
import { ServiceFunction } from '../constructs/service-function.ts';
import { Workflows, stateMachineName } from '../constructs/workflows.ts';
import { gpuBudget } from '../gpu-budget.ts';
import type { Settings } from '../settings.ts';
import type { DataStack } from './data-stack.ts';
import { pascal } from './data-stack.ts';

export interface ServiceStackProps extends StackProps {
  settings: Settings;
  data: DataStack;
  repoRoot: string;
  /** @default ROUTES from functions/routes.ts */
  routes?: readonly RouteDefinition[];
  /** @default WORKFLOW_TASKS from functions/tasks.ts */
  tasks?: readonly WorkflowTaskDefinition[];
  /** @default STATE_MACHINES from functions/tasks.ts */
  stateMachines?: readonly StateMachineDefinitionFile[];
}

/** Lambda timeout of a route without its own: API Gateway gives up after 29 s anyway. */
const DEFAULT_ROUTE_TIMEOUT_S = 29;

export class ServiceStack extends Stack {
  readonly http: HttpApi;
  readonly workflows: Workflows;
  readonly operations: Operations;
  readonly routeFunctions = new Map<string, ServiceFunction>();
  readonly taskFunctions = new Map<string, ServiceFunction>();
  readonly authorizer: ServiceFunction;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { settings, data, repoRoot } = props;
    const routes = props.routes ?? ROUTES;
    const tasks = props.tasks ?? WORKFLOW_TASKS;
    const machines = props.stateMachines ?? STATE_MACHINES;
    const budget = gpuBudget(settings, routes, tasks);

    const needsContext: NeedsContext = {
      settings,
      tables: data.tables,
      serviceSecret: data.serviceSecret,
      authSecret: data.authSecret,
      // ARNs from the fixed state machine names: functions that start a workflow hold no reference to
      // it, so the workflow → task functions → API references never form a cycle.
      workflows: machines.map((m) => ({
        envVar: m.arnEnvVar,
        arn: stateMachineArn(this, stateMachineName(settings.stage, m.id)),
      })),
    };
    const common = { needsContext, repoRoot };

    this.authorizer = new ServiceFunction(this, 'Authorizer', {
      ...common,
      name: 'authorizer',
      description: 'API Gateway REQUEST authorizer: API key → key_id, role, scopes',
      entry: 'functions/handlers/authorizer.ts',
      exportName: 'authorizerHandler',
      needs: ['keys:read'],
      verifiesKeys: true,
      timeoutS: 10,
    });
    for (const route of routes) {
      const slots = budget.routes.get(route.id);
      this.routeFunctions.set(
        route.id,
        new ServiceFunction(this, `Route${pascal(route.id)}`, {
          ...common,
          name: `api-${kebab(route.id)}`,
          description: `${route.method} ${route.path}`,
          entry: route.handler,
          exportName: route.export,
          needs: route.needs,
          ...(route.decodesImages ? { decodesImages: true } : {}),
          timeoutS: route.timeoutS ?? DEFAULT_ROUTE_TIMEOUT_S,
          ...(route.memoryMb ? { memoryMb: route.memoryMb } : {}),
          ...(slots !== undefined ? { reservedConcurrency: slots } : {}),
          ...(route.bundleFiles ? { bundleFiles: route.bundleFiles } : {}),
        }),
      );
    }
    for (const task of tasks) {
      const slots = budget.tasks.get(task.state);
      this.taskFunctions.set(
        task.state,
        new ServiceFunction(this, `Task${task.state}`, {
          ...common,
          name: `task-${kebab(task.state)}`,
          description: `Workflow task ${task.state}`,
          entry: task.handler,
          exportName: task.export,
          needs: task.needs,
          ...(task.decodesImages ? { decodesImages: true } : {}),
          timeoutS: task.timeoutS,
          ...(task.memoryMb ? { memoryMb: task.memoryMb } : {}),
          ...(slots !== undefined ? { reservedConcurrency: slots } : {}),
        }),
      );
    }

    this.workflows = new Workflows(this, 'Workflows', { settings, repoRoot, machines, tasks, functions: this.taskFunctions });
    this.http = new HttpApi(this, 'Http', { settings, routes, functions: this.routeFunctions, authorizer: this.authorizer });

    const gpuFunctions = [
      ...[...budget.routes].map(([routeId, slots]) => ({ fn: this.routeFunctions.get(routeId)!, slots, kind: 'sync' as const })),
      ...[...budget.tasks].map(([state, slots]) => ({ fn: this.taskFunctions.get(state)!, slots, kind: 'batch' as const })),
    ];
    this.operations = new Operations(this, 'Operations', {
      settings,
      api: this.http.api,
      authorizer: this.authorizer,
      gpuFunctions,
      workflows: this.workflows.workflows,
      functions: [this.authorizer, ...this.routeFunctions.values(), ...this.taskFunctions.values()],
    });

    new CfnOutput(this, 'ApiUrl', {
      value: this.http.api.url,
      description: 'Base URL of the API (paths start with /v1, /health, /ready)',
    });
    for (const w of this.workflows.workflows) {
      const suffix = this.workflows.workflows.length > 1 ? pascal(w.id) : '';
      new CfnOutput(this, `StateMachineArn${suffix}`, { value: w.stateMachine.stateMachineArn, description: `${w.name}` });
      new CfnOutput(this, `RunConsoleUrlPattern${suffix}`, {
        value: `https://${Aws.REGION}.console.aws.amazon.com/states/home?region=${Aws.REGION}#/v2/executions/details/arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${w.name}:<execution_name>`,
        description:
          'Replace <execution_name> with the execution_name of GET /v1/jobs/{job_id} to open that run in the Step Functions console',
      });
    }
    new CfnOutput(this, 'AlarmTopicArn', { value: this.operations.topic.topicArn, description: 'Subscribe to receive alarms' });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${this.operations.dashboard.dashboardName}`,
    });
    for (const [role, plan] of this.http.usagePlans) {
      new CfnOutput(this, `UsagePlan${pascal(role)}`, {
        value: plan.usagePlanId,
        description: `Usage plan for ${role} keys (ocrlty keys create adds keys to it)`,
      });
    }
  }
}

function kebab(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
}
