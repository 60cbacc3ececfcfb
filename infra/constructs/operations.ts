// Operations of a stage: alarms (API 5xx rate, failed executions, throttled model calls, authorizer
// errors) to an encrypted SNS topic, and one dashboard with the same signals side by side.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, type IFilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Settings } from '../settings.ts';
import type { ServiceFunction } from './service-function.ts';
import type { Workflow } from './workflows.ts';

const FIVE_MINUTES = Duration.minutes(5);

export interface OperationsProps {
  settings: Settings;
  api: RestApi;
  authorizer: ServiceFunction;
  /** Functions holding GPU slots, with their reserved concurrency and whether callers wait (batch) or fail (sync). */
  gpuFunctions: { fn: ServiceFunction; slots: number; kind: 'sync' | 'batch' }[];
  workflows: readonly Workflow[];
  /** Every function, for the error graph. */
  functions: readonly ServiceFunction[];
}

export class Operations extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { settings } = props;
    const ns = `OCRlty/${settings.stage}`;
    const prefix = `ocrlty-${settings.stage}`;

    // CloudWatch can publish to an encrypted topic only with a customer managed key that trusts it.
    const key = new Key(this, 'AlarmTopicKey', {
      description: `${prefix} alarm topic encryption`,
      enableKeyRotation: true,
      removalPolicy: settings.isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'AlarmTopic', { topicName: `${prefix}-alarms`, masterKey: key, enforceSSL: true });
    if (settings.alarmEmail) this.topic.addSubscription(new EmailSubscription(settings.alarmEmail));
    const action = new SnsAction(this.topic);
    const alarm = (name: string, description: string, metric: IMetric, threshold: number, periods = 1): Alarm => {
      const a = new Alarm(this, name, {
        alarmName: `${prefix}-${name}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };

    // 1. API 5xx rate: 5XXError averages to the share of requests that failed.
    const api5xx = props.api.metricServerError({ statistic: 'Average', period: FIVE_MINUTES, label: '5xx rate' });
    alarm(
      'api-5xx-rate',
      'More than 5% of API requests failed with 5xx for 10 minutes (internal_error, backend_unavailable, inference_timeout).',
      api5xx,
      0.05,
      2,
    );

    // 2. Failed executions: a job ended failed or timed out (canceled jobs succeed).
    for (const w of props.workflows) {
      const failed = new MathExpression({
        expression: 'failed + timedOut',
        usingMetrics: {
          failed: w.stateMachine.metricFailed({ period: FIVE_MINUTES, statistic: 'Sum' }),
          timedOut: w.stateMachine.metricTimedOut({ period: FIVE_MINUTES, statistic: 'Sum' }),
        },
        label: `${w.id} failed`,
        period: FIVE_MINUTES,
      });
      alarm(
        `${w.id}-failed-executions`,
        `A ${w.name} execution failed or timed out: open it in the Step Functions console (stack output RunConsoleUrlPattern).`,
        failed,
        1,
      );
    }

    // 3. Throttled model calls: the GPU guard refusing work, and vLLM itself answering 429.
    for (const g of props.gpuFunctions) {
      const throttles = g.fn.fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' });
      const name = g.fn.functionName.slice(prefix.length + 1);
      if (g.kind === 'sync') {
        alarm(
          `${name}-gpu-throttled`,
          `POST /v1/extract callers got 503 because all ${g.slots} sync GPU slots were busy.`,
          throttles,
          1,
        );
      } else {
        // Batch items wait in the ASL Retry, so throttling is queueing; alarm only when it lasts.
        alarm(
          `${name}-gpu-saturated`,
          `Batch items have queued for the ${g.slots} batch GPU slots for 15 minutes: the GPU is the bottleneck.`,
          throttles,
          1,
          3,
        );
      }
    }
    const modelThrottled = this.logMetric(
      'ModelThrottled',
      ns,
      props.gpuFunctions.map((g) => g.fn.logGroup),
      FilterPattern.all(
        FilterPattern.stringValue('$.message', '=', 'vllm_call_error'),
        FilterPattern.stringValue('$.kind', '=', 'throttled'),
      ),
    );
    alarm(
      'model-backend-throttled',
      'vLLM answered 429: it is saturated below VLLM_MAX_INFLIGHT; lower vllmMaxInflight or scale the pod.',
      modelThrottled,
      1,
    );
    const modelUnavailable = this.logMetric(
      'ModelUnavailable',
      ns,
      props.gpuFunctions.map((g) => g.fn.logGroup),
      FilterPattern.all(
        FilterPattern.stringValue('$.message', '=', 'vllm_call_error'),
        FilterPattern.stringValue('$.kind', '=', 'unavailable'),
      ),
    );
    alarm(
      'model-backend-unavailable',
      'vLLM could not be reached or failed (pod stopped, wrong vllmBaseUrl or key) at least 3 times in 5 minutes.',
      modelUnavailable,
      3,
    );

    // 4. Authorizer errors: failures other than a refused key (those are INFO auth_denied lines). A
    //    Lambda Errors alarm would fire on every bad key, since API Gateway needs a throw for 401.
    const authorizerErrors = this.logMetric(
      'AuthorizerErrors',
      ns,
      [props.authorizer.logGroup],
      FilterPattern.anyTerm('authorizer_error', 'ConfigError', 'Task timed out'),
    );
    alarm(
      'authorizer-errors',
      'The API key authorizer failed (DynamoDB, secret or config): callers get 500 instead of 401/200.',
      authorizerErrors,
      1,
    );

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: prefix, defaultInterval: Duration.hours(3) });
    const region = Stack.of(this).region;
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# OCRlty ${settings.stage}\nGPU slots: ${settings.vllm.maxInflight} (${settings.vllm.syncInflight} sync). Runs: [Step Functions console](https://${region}.console.aws.amazon.com/states/home?region=${region}#/statemachines).`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'API requests and errors',
        left: [
          props.api.metricCount({ period: FIVE_MINUTES }),
          props.api.metricClientError({ period: FIVE_MINUTES }),
          props.api.metricServerError({ period: FIVE_MINUTES }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'API latency (ms)',
        left: [
          props.api.metricLatency({ statistic: 'p50', period: FIVE_MINUTES }),
          props.api.metricLatency({ statistic: 'p99', period: FIVE_MINUTES }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'GPU slots in use (concurrent model callers)',
        left: props.gpuFunctions.map(
          (g) =>
            new Metric({
              namespace: 'AWS/Lambda',
              metricName: 'ConcurrentExecutions',
              dimensionsMap: { FunctionName: g.fn.functionName },
              statistic: 'Maximum',
              period: Duration.minutes(1),
              label: `${g.fn.functionName} (of ${g.slots})`,
            }),
        ),
        width: 8,
      }),
      new GraphWidget({
        title: 'Throttled model calls',
        left: [
          ...props.gpuFunctions.map((g) =>
            g.fn.fn.metricThrottles({ period: FIVE_MINUTES, label: `${g.fn.functionName} throttles` }),
          ),
          modelThrottled,
          modelUnavailable,
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Authorizer',
        left: [props.authorizer.fn.metricInvocations({ period: FIVE_MINUTES }), authorizerErrors],
        right: [props.authorizer.fn.metricDuration({ statistic: 'p99', period: FIVE_MINUTES })],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      ...props.workflows.map(
        (w) =>
          new GraphWidget({
            title: `Executions: ${w.name}`,
            left: [
              w.stateMachine.metricStarted({ period: FIVE_MINUTES }),
              w.stateMachine.metricSucceeded({ period: FIVE_MINUTES }),
              w.stateMachine.metricFailed({ period: FIVE_MINUTES }),
              w.stateMachine.metricTimedOut({ period: FIVE_MINUTES }),
            ],
            width: 12,
          }),
      ),
      new GraphWidget({
        title: 'Function errors',
        left: props.functions.map((f) => f.fn.metricErrors({ period: FIVE_MINUTES, label: f.functionName })),
        width: 12,
      }),
    );
  }

  /** A count metric from matching log lines of the given groups (one filter per group, one metric). */
  private logMetric(name: string, namespace: string, groups: ILogGroup[], pattern: IFilterPattern): Metric {
    groups.forEach((logGroup, i) => {
      new MetricFilter(this, `${name}Filter${i}`, {
        logGroup,
        filterPattern: pattern,
        metricNamespace: namespace,
        metricName: name,
        metricValue: '1',
        defaultValue: 0,
      });
    });
    return new Metric({ namespace, metricName: name, statistic: 'Sum', period: FIVE_MINUTES, label: name });
  }
}
