import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import {
  DEPENDENCY,
  DIMENSION,
  METRIC,
  METRICS_NAMESPACE,
} from '../lambda/observability/metric-names.js';

/**
 * Tool error codes that mean the deployment itself is broken (credentials, settings, the agent),
 * not a caller's mistake or a passing upstream hiccup: retrying does not help, an operator must act.
 */
export const DEPLOYMENT_BROKEN_CODES = [
  'SALESFORCE_AUTH',
  'CONFIGURATION',
  'AGENT_NOT_FOUND',
  'CREDENTIALS_UNAVAILABLE',
  'CREDENTIALS_NOT_SET',
] as const;

/** Inbound refusals per 5 minutes that look like a misconfigured client or a scan, not noise. */
export const AUTH_REFUSAL_THRESHOLD = 25;

/** Properties of {@link Observability}. */
export interface ObservabilityProps {
  readonly fn: lambda.Function;
  readonly table: dynamodb.TableV2;
  /** The table operations the function calls: their throttles and errors are watched. */
  readonly tableOperations: readonly dynamodb.Operation[];
  /** The Powertools `service` dimension of the function's metrics. */
  readonly service: string;
  readonly timeout: Duration;
  /** The function's log group: inbound auth refusals are counted from their log line. */
  readonly logGroup: logs.ILogGroup;
  /** Function URL requests per 5 minutes that raise the request-volume (cost) alarm. */
  readonly requestAlarmThreshold: number;
  /** Subscribe this address to a new alarm topic. */
  readonly alarmEmail?: string;
  /** Notify this existing topic as well. */
  readonly alarmTopicArn?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms and a dashboard for one deployment: the function (errors, throttles, duration near the
 * timeout), its Function URL (4xx and 5xx rates), the table (throttles, system errors) and the
 * function's own EMF metrics (deployment-breaking tool errors, inbound auth refusals, Agent API
 * 5xx). Alarms notify an SNS topic when an email or topic is configured.
 */
export class Observability extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  /** The topic the alarms notify, if any. */
  readonly topics: sns.ITopic[] = [];
  readonly #props: ObservabilityProps;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.#props = props;
    const { fn, table, timeout } = props;

    if (props.alarmEmail !== undefined) {
      const topic = new sns.Topic(this, 'AlarmTopic', {
        displayName: `${props.service} alarms`,
        enforceSSL: true,
      });
      topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      Validations.of(topic).acknowledge({
        id: 'AwsSolutions-SNS2',
        reason:
          'Alarm notifications carry alarm names and states only. CloudWatch cannot publish to a topic under the AWS managed SNS key, and a customer managed key for this alone costs more than the data is worth.',
      });
      this.topics.push(topic);
    }
    if (props.alarmTopicArn !== undefined) {
      this.topics.push(sns.Topic.fromTopicArn(this, 'ExistingAlarmTopic', props.alarmTopicArn));
    }

    this.#alarm('FunctionErrors', {
      metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 1,
      description: 'The function failed (crashed or timed out) at least once in 5 minutes.',
    });
    this.#alarm('FunctionThrottles', {
      metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 1,
      description: 'Invocations were throttled: raise reservedConcurrency or the account limit.',
    });
    const nearTimeoutMs = Math.round(timeout.toMilliseconds() * 0.9);
    this.#alarm('DurationNearTimeout', {
      metric: fn.metricDuration({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      threshold: nearTimeoutMs,
      description: `An invocation ran longer than ${nearTimeoutMs} ms (90% of the timeout): Salesforce is slow or the deadline too long.`,
    });

    const url = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensionsMap: { FunctionName: fn.functionName },
        period: FIVE_MINUTES,
        statistic: 'Sum',
      });
    const requests = url('UrlRequestCount');
    /** Percentage of Function URL requests answered `errorMetric`, once there are `minRequests`. */
    const urlRate = (errorMetric: string, minRequests: number) =>
      new cloudwatch.MathExpression({
        expression: `IF(requests >= ${minRequests}, 100 * FILL(errors, 0) / requests, 0)`,
        usingMetrics: { requests, errors: url(errorMetric) },
        label: `Function URL ${errorMetric} rate (%)`,
        period: FIVE_MINUTES,
      });
    // The cost guard of a public URL: every request is a billed invocation, even one answered 401.
    this.#alarm('FunctionUrlRequests', {
      metric: requests,
      threshold: props.requestAlarmThreshold,
      description: `At least ${props.requestAlarmThreshold} Function URL requests in 5 minutes: more than expected traffic, or a flood (each request is billed, refused ones too).`,
    });
    this.#alarm('FunctionUrl5xxRate', {
      metric: urlRate('Url5xxCount', 1),
      threshold: 5,
      description: '5% or more of Function URL requests answered 5xx in 5 minutes.',
    });
    this.#alarm('FunctionUrl4xxRate', {
      // Clients probe without a token first (OAuth discovery): only a sustained high rate matters.
      metric: urlRate('Url4xxCount', 20),
      threshold: 50,
      description: 'Half or more of at least 20 Function URL requests answered 4xx in 5 minutes.',
    });

    const operations = [...props.tableOperations];
    this.#alarm('TableThrottles', {
      metric: table.metricThrottledRequestsForOperations({ operations, period: FIVE_MINUTES }),
      threshold: 1,
      description: 'DynamoDB throttled requests of the session table.',
    });
    this.#alarm('TableSystemErrors', {
      metric: table.metricSystemErrorsForOperations({ operations, period: FIVE_MINUTES }),
      threshold: 1,
      description: 'DynamoDB answered the session table with system errors (5xx).',
    });

    const codeMetrics = Object.fromEntries(
      DEPLOYMENT_BROKEN_CODES.map((code, i) => [
        `c${i}`,
        this.#own(METRIC.toolErrors, { [DIMENSION.errorCode]: code }),
      ])
    );
    this.#alarm('DeploymentBroken', {
      metric: new cloudwatch.MathExpression({
        expression: Object.keys(codeMetrics)
          .map((name) => `FILL(${name}, 0)`)
          .join(' + '),
        usingMetrics: codeMetrics,
        label: 'Tool errors an operator must fix',
        period: FIVE_MINUTES,
      }),
      threshold: 1,
      description: `A tool answered ${DEPLOYMENT_BROKEN_CODES.join(', ')}: the Salesforce credentials, settings or agent need an operator.`,
    });
    // Counted from the refusal's one log line (lambda/app.ts) rather than a second, EMF, line.
    new logs.MetricFilter(this, 'InboundAuthRefusalsFilter', {
      logGroup: props.logGroup,
      metricNamespace: METRICS_NAMESPACE,
      metricName: METRIC.inboundAuthRefusals,
      filterPattern: logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.message', '=', 'request'),
        logs.FilterPattern.booleanValue('$.authRefused', true)
      ),
      metricValue: '1',
      dimensions: { service: '$.service' },
      unit: cloudwatch.Unit.COUNT,
    });
    this.#alarm('InboundAuthRefusals', {
      metric: this.#own(METRIC.inboundAuthRefusals, {}),
      threshold: AUTH_REFUSAL_THRESHOLD,
      description: `At least ${AUTH_REFUSAL_THRESHOLD} requests in 5 minutes were refused by inbound auth (401/403): a client with a wrong or expired secret, or a scan.`,
    });
    this.#alarm('AgentApi5xx', {
      metric: this.#own(METRIC.upstreamCalls, {
        [DIMENSION.dependency]: DEPENDENCY.agentApi,
        [DIMENSION.statusClass]: '5xx',
      }),
      threshold: 5,
      description: 'The Salesforce Agent API answered 5xx at least 5 times in 5 minutes.',
    });

    this.dashboard = this.#createDashboard(requests, url);
  }

  /** A metric the function emits as EMF, summed over 5 minutes. */
  #own(metricName: string, dimensions: Record<string, string>, statistic = 'Sum') {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: this.#props.service, ...dimensions },
      period: FIVE_MINUTES,
      statistic,
    });
  }

  /** A SEARCH over one of the function's EMF dimension sets (tools, codes, operations appear as used). */
  #search(metricName: string, dimensions: readonly string[], statistic: string) {
    const schema = [METRICS_NAMESPACE, 'service', ...dimensions].join(',');
    return new cloudwatch.MathExpression({
      expression: `SEARCH('{${schema}} service="${this.#props.service}" MetricName="${metricName}"', '${statistic}', 300)`,
      label: '',
      period: FIVE_MINUTES,
    });
  }

  #alarm(
    id: string,
    options: { metric: cloudwatch.IMetric; threshold: number; description: string }
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No traffic is not an incident; every metric here is sparse.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${this.#props.service}: ${options.description}`,
    });
    for (const topic of this.topics) {
      alarm.addAlarmAction(new actions.SnsAction(topic));
      alarm.addOkAction(new actions.SnsAction(topic));
    }
    this.alarms.push(alarm);
  }

  #createDashboard(requests: cloudwatch.IMetric, url: (name: string) => cloudwatch.IMetric) {
    const { fn, table } = this.#props;
    const operations = [...this.#props.tableOperations];
    const graph = (title: string, left: cloudwatch.IMetric[], width = 8) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6 });
    // Generated name: several stacks per account must not collide.
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
    });
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: this.alarms,
        width: 24,
        height: 3,
      })
    );
    dashboard.addWidgets(
      graph('Tool calls by tool', [this.#search(METRIC.toolCalls, [DIMENSION.tool], 'Sum')]),
      graph('Tool errors by code', [this.#search(METRIC.toolErrors, [DIMENSION.errorCode], 'Sum')]),
      graph('Tool latency (p50, p99)', [
        this.#own(METRIC.toolLatency, {}, 'p50'),
        this.#own(METRIC.toolLatency, {}, 'p99'),
      ])
    );
    dashboard.addWidgets(
      graph('Upstream latency p99 by operation', [
        this.#search(METRIC.upstreamLatency, [DIMENSION.operation], 'p99'),
      ]),
      graph('Upstream calls by dependency and status', [
        this.#search(METRIC.upstreamCalls, [DIMENSION.dependency, DIMENSION.statusClass], 'Sum'),
      ]),
      graph('Inbound auth refusals, DynamoDB failed conditions', [
        this.#own(METRIC.inboundAuthRefusals, {}),
        this.#search(METRIC.conditionalCheckFailures, [DIMENSION.operation], 'Sum'),
      ])
    );
    dashboard.addWidgets(
      graph('Function URL requests, 4xx, 5xx', [requests, url('Url4xxCount'), url('Url5xxCount')]),
      graph('Function invocations, errors, throttles', [
        fn.metricInvocations({ period: FIVE_MINUTES }),
        fn.metricErrors({ period: FIVE_MINUTES }),
        fn.metricThrottles({ period: FIVE_MINUTES }),
      ]),
      graph('Function duration (p50, max)', [
        fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p50' }),
        fn.metricDuration({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      ])
    );
    dashboard.addWidgets(
      graph(
        'Session table latency',
        operations.map((operation) =>
          table.metricSuccessfulRequestLatency({
            dimensionsMap: { TableName: table.tableName, Operation: operation },
            period: FIVE_MINUTES,
          })
        )
      ),
      // Separate graphs: both expressions name their metrics after the operations.
      graph('Session table throttles', [
        table.metricThrottledRequestsForOperations({ operations, period: FIVE_MINUTES }),
      ]),
      graph('Session table system errors', [
        table.metricSystemErrorsForOperations({ operations, period: FIVE_MINUTES }),
      ])
    );
    return dashboard;
  }

  /** The console URL of the dashboard. */
  dashboardUrl(): string {
    const region = Stack.of(this).region;
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${this.dashboard.dashboardName}`;
  }
}
