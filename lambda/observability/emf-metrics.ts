import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DIMENSION, METRIC, METRICS_NAMESPACE } from './metric-names.js';
import type { MetricsPort, RequestMeasurement, UpstreamMeasurement } from './metrics.js';

/** What may become a dimension value: names and codes, never free text. */
const SAFE_VALUE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The metrics port as CloudWatch Embedded Metric Format lines on stdout (Powertools Metrics): no
 * API calls, CloudWatch extracts the metrics from the log group. Each measurement is one EMF
 * line, added and flushed synchronously, so concurrent requests (the local server) cannot mix
 * their dimensions.
 *
 * @example
 * const metrics = new EmfMetrics(); // namespace from POWERTOOLS_METRICS_NAMESPACE, service from POWERTOOLS_SERVICE_NAME
 * metrics.upstream({ dependency: 'AgentApi', operation: 'AgentApi.SendMessage', statusClass: '2xx', latencyMs: 812 });
 */
export class EmfMetrics implements MetricsPort {
  readonly #metrics: Metrics;

  constructor(options: { metrics?: Metrics } = {}) {
    this.#metrics =
      options.metrics ??
      new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE });
  }

  request({ tool, outcome, errorCode, latencyMs }: RequestMeasurement): void {
    const metrics = this.#metrics;
    // A refusal prints no EMF line: its one log line is counted by the stack's metric filter
    // (`InboundAuthRefusals`), so an unauthenticated flood pays for one line per request, not two.
    if (tool === undefined || !SAFE_VALUE.test(tool)) return;
    // Three dimension sets: all tools, per tool, and per error code (errors only).
    metrics.addDimensions({});
    metrics.addDimensions({ [DIMENSION.tool]: tool });
    const failed = outcome === 'tool-error';
    if (failed && errorCode !== undefined && SAFE_VALUE.test(errorCode)) {
      metrics.addDimensions({ [DIMENSION.errorCode]: errorCode });
    }
    metrics.addMetric(METRIC.toolCalls, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.toolErrors, MetricUnit.Count, failed ? 1 : 0);
    metrics.addMetric(METRIC.toolLatency, MetricUnit.Milliseconds, latencyMs);
    metrics.publishStoredMetrics();
  }

  upstream({ dependency, operation, statusClass, latencyMs }: UpstreamMeasurement): void {
    const metrics = this.#metrics;
    // Latency per operation; calls per dependency and status class (what the alarms watch).
    metrics.addDimensions({ [DIMENSION.operation]: operation });
    metrics.addDimensions({
      [DIMENSION.dependency]: dependency,
      [DIMENSION.statusClass]: statusClass,
    });
    metrics.addMetric(METRIC.upstreamCalls, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.upstreamLatency, MetricUnit.Milliseconds, latencyMs);
    if (statusClass === 'conditional') {
      metrics.addMetric(METRIC.conditionalCheckFailures, MetricUnit.Count, 1);
    }
    metrics.publishStoredMetrics();
  }
}
