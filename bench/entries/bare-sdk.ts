/**
 * The baseline a user would otherwise write, doing the same I/O as our first real `tools/call`:
 * `createMcpHandler` from `@modelcontextprotocol/server` (a fresh McpServer per request), one
 * `converse` tool that reads the Salesforce secret from Secrets Manager and gets a token (both
 * once per container, cached like ours), writes the client's DynamoDB item twice (lease and
 * release, like ours), starts an Agent API session on first use and sends the message. No
 * validation of Salesforce's answers, no metrics, no logging: the bare minimum.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import * as z from 'zod';
import {
  type FunctionUrlResult,
  toFunctionUrlResult,
  toWebRequest,
} from '../../lambda/http/function-url.js';
import { SESSION_TABLE } from '../../lambda/state/table-schema.js';

/** What the `converse` tool talks to; the warm bench passes in-process stand-ins. */
export interface BareIo {
  readonly fetch: typeof fetch;
  readonly myDomainUrl: string;
  readonly agentId: string;
  readClientCredentials(): Promise<{ clientId: string; clientSecret: string }>;
  writeItem(key: string, attributes: Record<string, unknown>): Promise<void>;
}

/** The bare handler over `io`: one per container. */
export function createBareHandler(io: BareIo) {
  let token: Promise<{ accessToken: string; apiUrl: string }> | undefined;
  const sessions = new Map<string, { id: string; sequenceId: number }>();
  const getToken = () => {
    token ??= (async () => {
      const { clientId, clientSecret } = await io.readClientCredentials();
      const res = await io.fetch(`${io.myDomainUrl}/services/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
        }),
      });
      const body = (await res.json()) as { access_token: string; api_instance_url: string };
      return { accessToken: body.access_token, apiUrl: body.api_instance_url };
    })();
    return token;
  };
  const agentApi = async (path: string, body: unknown) => {
    const { accessToken, apiUrl } = await getToken();
    const res = await io.fetch(`${apiUrl}/einstein/ai-agent/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`Agent API ${res.status}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const converse = async (email: string, text: string) => {
    await io.writeItem(email, { leaseUntil: Date.now() + 60_000 });
    let session = sessions.get(email);
    if (!session) {
      const started = await agentApi(`/agents/${io.agentId}/sessions`, {
        externalSessionKey: crypto.randomUUID(),
        instanceConfig: { endpoint: io.myDomainUrl },
        streamingCapabilities: { chunkTypes: ['Text'] },
        bypassUser: true,
      });
      session = { id: String(started.sessionId), sequenceId: 0 };
      sessions.set(email, session);
    }
    session.sequenceId += 1;
    const turn = (await agentApi(`/sessions/${session.id}/messages`, {
      message: { sequenceId: session.sequenceId, type: 'Text', text },
    })) as { messages?: Array<{ message?: string }> };
    await io.writeItem(email, { sessionId: session.id, leaseUntil: 0 });
    return (turn.messages ?? []).map((m) => m.message ?? '').join('\n');
  };
  const mcp = createMcpHandler(() => {
    const server = new McpServer({ name: 'bare-sdk', version: '1.0.0' });
    server.registerTool(
      'converse',
      {
        description: 'Sends a message to the agent for this client.',
        inputSchema: z.object({ client_email: z.string(), message: z.string() }),
      },
      async ({ client_email, message }) => ({
        content: [{ type: 'text', text: await converse(client_email, message) }],
      })
    );
    return server;
  });
  return async (event: LambdaFunctionURLEvent, _context: Context): Promise<FunctionUrlResult> =>
    toFunctionUrlResult(await mcp.fetch(toWebRequest(event)));
}

/** The AWS SDK clients and environment the deployed function would use. */
function environmentIo(env: NodeJS.ProcessEnv): BareIo {
  const secrets = new SecretsManagerClient({});
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  return {
    fetch: (input, init) => globalThis.fetch(input, init),
    myDomainUrl: env.SALESFORCE_SERVER_URL ?? '',
    agentId: env.SALESFORCE_AGENT_ID ?? '',
    readClientCredentials: async () => {
      const secret = await secrets.send(
        new GetSecretValueCommand({ SecretId: env.SALESFORCE_SECRET_ARN })
      );
      const value = JSON.parse(secret.SecretString ?? '{}') as Record<string, string>;
      return {
        clientId: value.SALESFORCE_CLIENT_ID ?? '',
        clientSecret: value.SALESFORCE_CLIENT_SECRET ?? '',
      };
    },
    writeItem: async (key, attributes) => {
      const names = Object.keys(attributes);
      await documents.send(
        new UpdateCommand({
          TableName: env.TABLE_NAME,
          Key: { [SESSION_TABLE.partitionKey]: `bare#${key}` },
          UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :v${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
          ExpressionAttributeValues: Object.fromEntries(
            names.map((n, i) => [`:v${i}`, attributes[n]])
          ),
        })
      );
    },
  };
}

// Module scope = once per container, as in lambda/handler.ts.
export const handler = createBareHandler(environmentIo(process.env));
