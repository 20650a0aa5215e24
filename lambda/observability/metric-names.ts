/**
 * The metric vocabulary, shared by the function (which emits it as CloudWatch EMF) and the stack
 * (whose alarms and dashboard read it). Dependency-free so `infra/` can import it.
 */

/** Default namespace; `POWERTOOLS_METRICS_NAMESPACE` overrides it. */
export const METRICS_NAMESPACE = 'AgentforceMcp';

/** Metric names. Counts unless the name ends in `Latency` (milliseconds). */
export const METRIC = {
  /** One per tools/call, by `tool`, by `errorCode` (errors only) and in total. */
  toolCalls: 'ToolCalls',
  /** 1 when the call ended as a tool error (`isError`), else 0: its average is the error rate. */
  toolErrors: 'ToolErrors',
  toolLatency: 'ToolLatency',
  /**
   * Requests refused by inbound auth (401 missing/invalid token, 403 insufficient scope). Not EMF:
   * a metric filter on the refusal log line (`authRefused: true`) counts them (infra).
   */
  inboundAuthRefusals: 'InboundAuthRefusals',
  /** One per upstream request, by `operation` and by `dependency` × `statusClass`. */
  upstreamCalls: 'UpstreamCalls',
  /** Time to the response headers (a streamed turn's body comes later), retries included for DynamoDB. */
  upstreamLatency: 'UpstreamLatency',
  /** DynamoDB writes whose condition failed (busy lease, owner mismatch, lost lease). */
  conditionalCheckFailures: 'ConditionalCheckFailures',
} as const;

/** Dimension names besides Powertools' `service` (the stack name in AWS). */
export const DIMENSION = {
  tool: 'tool',
  errorCode: 'errorCode',
  operation: 'operation',
  dependency: 'dependency',
  statusClass: 'statusClass',
} as const;

/** The upstream systems the function calls. */
export const DEPENDENCY = {
  salesforceToken: 'SalesforceToken',
  agentApi: 'AgentApi',
  dynamoDb: 'DynamoDB',
} as const;

/** A dependency's name. */
export type Dependency = (typeof DEPENDENCY)[keyof typeof DEPENDENCY];

/**
 * How an upstream call ended: HTTP status class, a failed DynamoDB condition, abandoned by the
 * caller's deadline, or no answer at all.
 */
export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'conditional' | 'aborted' | 'network';
