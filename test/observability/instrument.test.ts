import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  agentApiOperation,
  awsErrorClass,
  measureDynamoDb,
  measuredFetch,
} from '../../lambda/observability/instrument.js';
import type { MetricsPort, UpstreamMeasurement } from '../../lambda/observability/metrics.js';
import { createDocumentClient } from '../../lambda/state/dynamodb-session-store.js';
import { sessionKey } from '../../lambda/state/table-schema.js';
import {
  createSessionTable,
  LOCAL_AWS_CREDENTIALS,
  LOCAL_AWS_REGION,
} from '../../local/dynamodb-local.js';

/** A metrics port that keeps what it is given. */
function recorder(): MetricsPort & { upstreams: UpstreamMeasurement[] } {
  const upstreams: UpstreamMeasurement[] = [];
  return { upstreams, request: () => undefined, upstream: (m) => upstreams.push(m) };
}

describe('Function: agentApiOperation', () => {
  const base = 'https://api.salesforce.com/einstein/ai-agent/v1';

  it.each([
    ['POST', `${base}/agents/0XxKZ000000abcdEFG/sessions`, 'AgentApi.StartSession'],
    ['POST', `${base}/sessions/9f1c-22/messages`, 'AgentApi.SendMessage'],
    ['POST', `${base}/sessions/9f1c-22/messages/stream`, 'AgentApi.StreamMessage'],
    ['POST', `${base}/sessions/9f1c-22/feedback`, 'AgentApi.SubmitFeedback'],
    ['DELETE', `${base}/sessions/9f1c-22`, 'AgentApi.EndSession'],
    ['GET', `${base}/sessions/9f1c-22`, 'AgentApi.Other'],
  ])('names %s %s after its route, without the ids', (method, url, operation) => {
    // Act & Assess
    expect(agentApiOperation(method, url)).toBe(operation);
  });
});

describe('Function: awsErrorClass', () => {
  const awsError = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, ...extra });

  it.each([
    ['a failed condition', awsError('ConditionalCheckFailedException', 400), 'conditional'],
    [
      'a transaction cancelled by a condition',
      awsError('TransactionCanceledException', 400, {
        CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
      }),
      'conditional',
    ],
    [
      'a transaction cancelled otherwise',
      awsError('TransactionCanceledException', 400, {
        CancellationReasons: [{ Code: 'ThrottlingError' }],
      }),
      '4xx',
    ],
    ['a throttle', awsError('ProvisionedThroughputExceededException', 400), '4xx'],
    ['a service error', awsError('InternalServerError', 500), '5xx'],
    ['an abort', awsError('AbortError'), 'aborted'],
    ['a timeout without an answer', awsError('TimeoutError'), 'aborted'],
    ['a connection failure', awsError('ECONNREFUSED'), 'network'],
    ['a non-error', 'boom', 'network'],
  ])('returns the class of %s', (_name, err, expected) => {
    // Act & Assess
    expect(awsErrorClass(err)).toBe(expected);
  });
});

describe('Function: measuredFetch', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/hang') return; // never answers
      res.writeHead(Number(req.url?.slice(1)) || 200).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('records the status class and latency of each response, passing it through', async () => {
    // Prepare
    const metrics = recorder();
    const measured = measuredFetch(
      fetch,
      metrics,
      'SalesforceToken',
      () => 'SalesforceToken.Fetch'
    );

    // Act
    const statuses = [];
    for (const status of [200, 401, 503])
      statuses.push((await measured(`${url}/${status}`)).status);

    // Assess
    expect(statuses).toEqual([200, 401, 503]);
    expect(metrics.upstreams.map((m) => m.statusClass)).toEqual(['2xx', '4xx', '5xx']);
    expect(metrics.upstreams[0]).toMatchObject({
      dependency: 'SalesforceToken',
      operation: 'SalesforceToken.Fetch',
    });
    expect(metrics.upstreams.every((m) => m.latencyMs >= 0)).toBe(true);
  });

  it('reads method and URL from a Request object too', async () => {
    // Prepare
    const metrics = recorder();
    const measured = measuredFetch(fetch, metrics, 'AgentApi', agentApiOperation);

    // Act
    const response = await measured(
      new Request(`${url}/einstein/ai-agent/v1/sessions/s-1`, { method: 'DELETE' })
    );

    // Assess
    expect(response.status).toBe(200);
    expect(metrics.upstreams[0]).toMatchObject({
      operation: 'AgentApi.EndSession',
      statusClass: '2xx',
    });
  });

  it('records a refused connection as network and a deadline as aborted, rethrowing both', async () => {
    // Prepare
    const metrics = recorder();
    const measured = measuredFetch(fetch, metrics, 'AgentApi', agentApiOperation);

    // Act
    const refused = measured('http://127.0.0.1:1/einstein/ai-agent/v1/sessions/x', {
      method: 'DELETE',
    });
    await expect(refused).rejects.toThrow();
    const hung = measured(`${url}/hang`, { signal: AbortSignal.timeout(50) });
    await expect(hung).rejects.toThrow();

    // Assess
    expect(metrics.upstreams.map((m) => [m.operation, m.statusClass])).toEqual([
      ['AgentApi.EndSession', 'network'],
      ['AgentApi.Other', 'aborted'],
    ]);
  });
});

describe('Function: measureDynamoDb', () => {
  const tableName = `metrics-${randomUUID()}`;
  const endpoint = inject('dynamoDbEndpoint');
  const client = createDocumentClient({
    endpoint,
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  const metrics = recorder();
  measureDynamoDb(client, metrics);

  beforeAll(() => createSessionTable(endpoint, tableName));
  afterAll(() => client.destroy());

  it('records each command on DynamoDB Local, a failed condition apart from other errors', async () => {
    // Prepare
    const Key = sessionKey('none', 'someone@example.com');
    const conditional = new UpdateCommand({
      TableName: tableName,
      Key,
      UpdateExpression: 'SET n = :n',
      ConditionExpression: 'attribute_exists(clientEmail)',
      ExpressionAttributeValues: { ':n': 1 },
    });

    // Act
    await client.send(new GetCommand({ TableName: tableName, Key }));
    await expect(client.send(conditional)).rejects.toThrow(/conditional/i);
    await expect(
      client.send(new GetCommand({ TableName: 'no-such-table', Key }))
    ).rejects.toThrow();

    // Assess
    expect(metrics.upstreams.map((m) => [m.operation, m.statusClass])).toEqual([
      ['DynamoDB.GetItem', '2xx'],
      ['DynamoDB.UpdateItem', 'conditional'],
      ['DynamoDB.GetItem', '4xx'],
    ]);
    expect(JSON.stringify(metrics.upstreams)).not.toContain('example.com');
  });
});
