import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEPENDENCY, type Dependency, type StatusClass } from './metric-names.js';
import { type MetricsPort, statusClassOf } from './metrics.js';

/** Agent API routes (method + path after `/einstein/ai-agent/v1`) → operation name. */
const AGENT_API_OPERATIONS: readonly [method: string, path: RegExp, operation: string][] = [
  ['POST', /\/agents\/[^/]+\/sessions$/, 'StartSession'],
  ['POST', /\/sessions\/[^/]+\/messages\/stream$/, 'StreamMessage'],
  ['POST', /\/sessions\/[^/]+\/messages$/, 'SendMessage'],
  ['POST', /\/sessions\/[^/]+\/feedback$/, 'SubmitFeedback'],
  ['DELETE', /\/sessions\/[^/]+$/, 'EndSession'],
];

/** The operation of an Agent API request, from its route only (ids never leave this function). */
export function agentApiOperation(method: string, url: string): string {
  const path = new URL(url).pathname;
  const upper = method.toUpperCase();
  const found = AGENT_API_OPERATIONS.find(([m, pattern]) => m === upper && pattern.test(path));
  return `${DEPENDENCY.agentApi}.${found?.[2] ?? 'Other'}`;
}

const isAbort = (err: unknown) =>
  err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');

/**
 * Wraps a `fetch` so that every request to `dependency` is measured: latency to the response
 * headers and the status class. The request and response pass through untouched.
 *
 * @example
 * const tokens = new TokenProvider({ ..., fetch: measuredFetch(fetch, metrics, 'SalesforceToken', () => 'SalesforceToken.Fetch') });
 */
export function measuredFetch(
  fetchImpl: typeof fetch,
  metrics: MetricsPort,
  dependency: Dependency,
  operationOf: (method: string, url: string) => string
): typeof fetch {
  return async (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const url = request?.url ?? String(input);
    const operation = operationOf(init?.method ?? request?.method ?? 'GET', url);
    const started = performance.now();
    let statusClass: StatusClass = 'network';
    try {
      const response = await fetchImpl(input, init);
      statusClass = statusClassOf(response.status);
      return response;
    } catch (err) {
      if (isAbort(err)) statusClass = 'aborted';
      throw err;
    } finally {
      metrics.upstream({ dependency, operation, statusClass, latencyMs: elapsed(started) });
    }
  };
}

/** The status class of a failed AWS SDK call. */
export function awsErrorClass(err: unknown): StatusClass {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (e?.name === 'ConditionalCheckFailedException') return 'conditional';
  if (e?.name === 'TransactionCanceledException') {
    const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
    if (reasons?.some((r) => r.Code === 'ConditionalCheckFailed')) return 'conditional';
  }
  if (isAbort(err)) return 'aborted';
  const status = e?.$metadata?.httpStatusCode;
  return status === undefined ? 'network' : statusClassOf(status);
}

/**
 * Measures every command of a DynamoDB document client (latency including the SDK's retries,
 * conditional-check failures apart from other 4xx). Returns the same client.
 *
 * @example
 * const client = measureDynamoDb(createDocumentClient(), metrics);
 */
export function measureDynamoDb(
  client: DynamoDBDocumentClient,
  metrics: MetricsPort
): DynamoDBDocumentClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      // The document client runs the low-level command: `GetCommand` → `DynamoDB.GetItem`.
      const command = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const operation = `${DEPENDENCY.dynamoDb}.${command}`;
      const started = performance.now();
      let statusClass: StatusClass = '2xx';
      try {
        return await next(args);
      } catch (err) {
        statusClass = awsErrorClass(err);
        throw err;
      } finally {
        metrics.upstream({
          dependency: DEPENDENCY.dynamoDb,
          operation,
          statusClass,
          latencyMs: elapsed(started),
        });
      }
    },
    { step: 'initialize', name: 'agentforceMcpMetrics', override: true }
  );
  return client;
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 100) / 100;
