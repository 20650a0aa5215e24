import type { Dependency, StatusClass } from './metric-names.js';

/** One finished HTTP request, as the request log line records it. */
export interface RequestMeasurement {
  readonly status: number;
  /** The tool of a tools/call (only registered names reach here). */
  readonly tool?: string;
  readonly outcome?: 'ok' | 'tool-error';
  /** The bracketed code of a tool error (a fixed set). */
  readonly errorCode?: string;
  /** Inbound auth refused the request. */
  readonly authRefused?: boolean;
  readonly latencyMs: number;
}

/** One request to Salesforce or DynamoDB. */
export interface UpstreamMeasurement {
  readonly dependency: Dependency;
  /** `<Dependency>.<Operation>`, e.g. `AgentApi.SendMessage`: a fixed, small set. */
  readonly operation: string;
  readonly statusClass: StatusClass;
  readonly latencyMs: number;
}

/**
 * Where the function reports what it measured. Only low-cardinality facts cross this port:
 * tool names, error codes, operations and status classes; never emails, session ids, principals
 * or message text.
 */
export interface MetricsPort {
  request(measurement: RequestMeasurement): void;
  upstream(measurement: UpstreamMeasurement): void;
}

/** A port that records nothing (tests, benchmarks of the bare path). */
export const noMetrics: MetricsPort = Object.freeze({
  request: () => undefined,
  upstream: () => undefined,
});

/** The status class of an HTTP status code. */
export function statusClassOf(status: number): StatusClass {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}
