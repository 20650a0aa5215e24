import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import {
  GetSecretValueCommand,
  InternalServiceError,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { inject } from 'vitest';
import { createDocumentClient } from '../../../lambda/state/dynamodb-session-store.js';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '../../../local/dynamodb-local.js';

/** The release write: the store's only update conditioned on holding the lease. */
const RELEASE_CONDITION = '#leaseId = :leaseId';

/** Armed faults of a {@link faultyDocumentClient}; each count is used up one request at a time. */
export interface DynamoFaults {
  /** Next UpdateItem requests (any) to throttle. */
  throttleUpdates: number;
  /** Next release writes to throttle (acquire and the rest pass). */
  failReleases: number;
  /** Requests that reached DynamoDB Local. */
  passedThrough: number;
}

/**
 * A document client for `overrides.documentClient` whose commands go to DynamoDB Local unless a
 * fault is armed. Built with aws-sdk-client-mock, which replaces `send`: the SDK's own retries do
 * not run, so every armed fault reaches the store (see {@link startThrottlingProxy} for those).
 */
export function faultyDocumentClient(): {
  client: DynamoDBDocumentClient;
  faults: DynamoFaults;
  destroy(): void;
} {
  const real = createDocumentClient({
    endpoint: inject('dynamoDbEndpoint'),
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: LOCAL_AWS_REGION, credentials: LOCAL_AWS_CREDENTIALS })
  );
  const faults: DynamoFaults = { throttleUpdates: 0, failReleases: 0, passedThrough: 0 };
  const throttled = () =>
    new ProvisionedThroughputExceededException({
      message: 'The level of configured provisioned throughput for the table was exceeded.',
      $metadata: { httpStatusCode: 400 },
    });
  const mock = mockClient(client);
  mock.on(UpdateCommand).callsFake(async (input: UpdateCommandInput) => {
    if (faults.throttleUpdates > 0) {
      faults.throttleUpdates--;
      throw throttled();
    }
    if (faults.failReleases > 0 && input.ConditionExpression === RELEASE_CONDITION) {
      faults.failReleases--;
      throw throttled();
    }
    faults.passedThrough++;
    return real.send(new UpdateCommand(input));
  });
  mock.on(GetCommand).callsFake((input: GetCommandInput) => {
    faults.passedThrough++;
    return real.send(new GetCommand(input));
  });
  return {
    client,
    faults,
    destroy() {
      mock.restore();
      real.destroy();
    },
  };
}

/**
 * A loopback HTTP proxy in front of DynamoDB Local that answers the next `throttle` requests with
 * DynamoDB's real throttling error (HTTP 400 `ThrottlingException`), or drops every connection
 * while `down`, so the SDK's retry strategy runs exactly as it would against AWS.
 */
export async function startThrottlingProxy(): Promise<{
  endpoint: string;
  control: { throttle: number; throttled: number; forwarded: number; down: boolean };
  close(): Promise<void>;
}> {
  const target = inject('dynamoDbEndpoint');
  const control = { throttle: 0, throttled: 0, forwarded: 0, down: false };
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      if (control.down) {
        // Unreachable: the connection drops without an answer.
        req.socket.destroy();
        return;
      }
      if (control.throttle > 0) {
        control.throttle--;
        control.throttled++;
        res.writeHead(400, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': `throttled-${control.throttled}`,
        });
        res.end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
            message: 'Rate of requests exceeds the allowed throughput.',
          })
        );
        return;
      }
      control.forwarded++;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && name !== 'host' && name !== 'content-length') {
          headers[name] = value;
        }
      }
      const upstream = await fetch(`${target}${req.url ?? '/'}`, {
        method: req.method ?? 'POST',
        headers,
        body,
      });
      const answer: Record<string, string> = {};
      upstream.headers.forEach((value, name) => {
        if (name !== 'content-length' && name !== 'transfer-encoding') answer[name] = value;
      });
      res.writeHead(upstream.status, answer);
      res.end(Buffer.from(await upstream.arrayBuffer()));
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    control,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A Secrets Manager client whose GetSecretValue answers `secret()` or fails while `down`. */
export function faultySecretsManager(secretArn: string, secret: () => Record<string, string>) {
  const client = new SecretsManagerClient({
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  const state = { down: false, calls: 0 };
  const mock = mockClient(client);
  mock.on(GetSecretValueCommand).callsFake(() => {
    state.calls++;
    if (state.down) {
      throw new InternalServiceError({
        message: 'An error occurred on the server side.',
        $metadata: { httpStatusCode: 500 },
      });
    }
    return { ARN: secretArn, SecretString: JSON.stringify(secret()) };
  });
  return { client, state, restore: () => mock.restore() };
}
