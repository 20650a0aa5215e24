import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP stand-in with a per-operation request count. */
export interface CountingServer {
  /** `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  /** Requests seen, keyed by the `x-amz-target` operation (`GetSecretValue`, `UpdateItem`, …). */
  readonly counts: Map<string, number>;
  total(): number;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

function operationOf(req: IncomingMessage): string {
  const target = String(req.headers['x-amz-target'] ?? 'unknown');
  return target.slice(target.lastIndexOf('.') + 1);
}

function counting(counts: Map<string, number>, operation: string): void {
  counts.set(operation, (counts.get(operation) ?? 0) + 1);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A fake Secrets Manager (AWS JSON 1.1, `x-amz-target: secretsmanager.GetSecretValue`) holding
 * one secret, counting every request. Point `AWS_ENDPOINT_URL_SECRETS_MANAGER` at `endpoint`.
 */
export async function startFakeSecretsManager(secret: {
  arn: string;
  value: Record<string, string>;
}): Promise<CountingServer> {
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const operation = operationOf(req);
    counting(counts, operation);
    readBody(req)
      .then((raw) => {
        const { SecretId } = JSON.parse(raw || '{}') as { SecretId?: string };
        if (operation !== 'GetSecretValue' || SecretId !== secret.arn) {
          const type =
            operation === 'GetSecretValue'
              ? 'ResourceNotFoundException'
              : 'InvalidRequestException';
          res.writeHead(400, {
            'content-type': 'application/x-amz-json-1.1',
            'x-amzn-errortype': type,
            'x-amzn-requestid': randomUUID(),
          });
          res.end(
            JSON.stringify({ __type: type, message: 'Secrets Manager can’t find the secret.' })
          );
          return;
        }
        res.writeHead(200, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': randomUUID(),
        });
        res.end(
          JSON.stringify({
            ARN: secret.arn,
            Name: secret.arn.split(':').at(-1),
            SecretString: JSON.stringify(secret.value),
            VersionId: '00000000-0000-0000-0000-000000000001',
            VersionStages: ['AWSCURRENT'],
            CreatedDate: Math.floor(Date.now() / 1000),
          })
        );
      })
      .catch(() => {
        res.writeHead(500);
        res.end();
      });
  });
  const endpoint = await listen(server);
  return {
    endpoint,
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    close: closer(server),
  };
}

/**
 * A transparent HTTP proxy in front of DynamoDB (Local) that counts requests on the wire by
 * operation: the ground truth for "DynamoDB requests per tool call", retries included.
 */
export async function startCountingProxy(upstream: string): Promise<CountingServer> {
  const target = new URL(upstream);
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    counting(counts, operationOf(req));
    const forward = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      }
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  const endpoint = await listen(server);
  return {
    endpoint,
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    close: closer(server),
  };
}

/** Counter values now, to diff against later. */
export function snapshot(counts: Map<string, number>): Map<string, number> {
  return new Map(counts);
}
