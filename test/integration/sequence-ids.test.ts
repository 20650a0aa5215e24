import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NO_AUTH_TENANT } from '../../lambda/auth/index.js';
import { createDocumentClient } from '../../lambda/state/dynamodb-session-store.js';
import { sessionKey } from '../../lambda/state/table-schema.js';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '../../local/dynamodb-local.js';
import { callTool, type Harness, startHarness } from '../helpers/harness.js';

/**
 * Issue 14: sequence ids are `max(Date.now(), last + 1)`, as every Salesforce-written client sends,
 * so they never go backwards for a session that lives upstream, even when our record of it is
 * reset. Real handler, DynamoDB Local, the simulator refusing any id not above the last it took.
 */

let first: Harness;
const email = `restart-${Date.now()}@example.com`;
/** Every id the turns of this file were answered with, in order. */
const answered: number[] = [];
let sessionId: string;

async function turn(harness: Harness, message: string): Promise<Record<string, unknown>> {
  const client = await harness.connect();
  const startedAt = Date.now();
  const result = await callTool(client, 'complete-agentforce-conversation', {
    client_email: email,
    message,
  });
  expect(result.isError).toBeFalsy();
  const structured = result.structuredContent as Record<string, unknown>;
  const id = structured.sequence_id as number;
  expect(id).toBeGreaterThanOrEqual(startedAt);
  if (answered.length > 0) expect(id).toBeGreaterThan(answered.at(-1) as number);
  answered.push(id);
  return structured;
}

let raw: ReturnType<typeof createDocumentClient>;
/** Our record, addressed as the store addresses it, for rewriting it by hand. */
const table = () => ({
  client: raw,
  TableName: first.tableName,
  Key: sessionKey(NO_AUTH_TENANT, email),
});

beforeAll(async () => {
  first = await startHarness({ simulator: { sequenceIdMode: 'strict' } });
  raw = createDocumentClient({
    endpoint: inject('dynamoDbEndpoint'),
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
});
afterAll(async () => {
  raw.destroy();
  await first.close();
});

describe('Sequence ids across restarts and lost records (DynamoDB Local, strict simulator)', () => {
  it('sends epoch-ms ids, increasing, on one container', async () => {
    sessionId = (await turn(first, 'one')).session_id as string;
    await turn(first, 'two');
    expect(first.simulator.counters.sequenceIds.get(sessionId)).toEqual(answered);
  });

  it('keeps increasing on a new container over the same table', async () => {
    const restarted = await startHarness({ reuse: first });
    try {
      expect((await turn(restarted, 'three')).session_id).toBe(sessionId);
    } finally {
      await restarted.close();
    }
  });

  it('keeps increasing when the stored last id was rewritten lower', async () => {
    const { client, ...key } = table();
    await client.send(
      new UpdateCommand({
        ...key,
        UpdateExpression: 'SET lastSequenceId = :zero',
        ExpressionAttributeValues: { ':zero': 0 },
      })
    );
    expect((await turn(first, 'four')).session_id).toBe(sessionId);
  });

  it('keeps increasing when the record was deleted and restored from an older copy', async () => {
    const { client, ...key } = table();
    const { Item: snapshot } = await client.send(new GetCommand({ ...key, ConsistentRead: true }));
    await turn(first, 'five');
    await client.send(new DeleteCommand(key));
    await client.send(new PutCommand({ TableName: key.TableName, Item: snapshot }));
    expect((await turn(first, 'six')).session_id).toBe(sessionId);
    // Salesforce refused nothing: it saw exactly the ids we answered with, all increasing.
    expect(first.simulator.counters.sequenceIds.get(sessionId)).toEqual(answered);
  });
});
