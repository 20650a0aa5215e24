import { afterEach, describe, expect, it } from 'vitest';
import { callTool, type Harness, startHarness, textOf } from '../helpers/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('Tools: business failures are tool errors', () => {
  it('answers within the tool deadline when the agent is slower', async () => {
    // Prepare
    harness = await startHarness({
      env: { TOOL_DEADLINE_MS: '600' },
      simulator: { latencyMs: 3_000 },
    });
    const client = await harness.connect();

    // Act
    const started = Date.now();
    const result = await callTool(client, 'complete-agentforce-conversation', {
      client_email: 'slow@example.com',
      message: 'Hello',
    });
    const elapsed = Date.now() - started;

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/did not answer within/);
    expect(elapsed).toBeLessThan(2_500);
  });

  it('reports rejected Salesforce credentials as an administrator problem', async () => {
    // Prepare
    harness = await startHarness({ env: { SALESFORCE_CLIENT_SECRET: 'wrong-secret-for-test' } });
    const client = await harness.connect();

    // Act
    const result = await callTool(client, 'authenticate', { client_email: 'a@example.com' });

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/Salesforce rejected/);
    expect(textOf(result)).not.toContain('wrong-secret-for-test');
  });

  it('reports an unavailable Agent API with a retry hint after retries are exhausted', async () => {
    // Prepare
    harness = await startHarness({ env: { TOOL_DEADLINE_MS: '3000' } });
    const client = await harness.connect();
    harness.simulator.injectFault({ route: 'start', status: 503, times: 100 });

    // Act
    const result = await callTool(client, 'create-agent-session', {
      client_email: 'b@example.com',
    });

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/Retry/);
  });

  it('rides out a short burst of 429s', async () => {
    harness = await startHarness();
    const client = await harness.connect();
    harness.simulator.injectFault({ route: 'start', status: 429, times: 2, retryAfterSeconds: 0 });
    const result = await callTool(client, 'create-agent-session', {
      client_email: 'c@example.com',
    });
    expect(result.isError).toBeFalsy();
  });

  it('reports an unreachable session store without calling the agent', async () => {
    // Prepare: the store points at a port where nothing listens.
    const { freePort } = await import('../../local/dynamodb-local.js');
    const { createDocumentClient } = await import('../../lambda/state/dynamodb-session-store.js');
    const port = await freePort();
    harness = await startHarness({
      overrides: {
        documentClient: createDocumentClient({
          endpoint: `http://127.0.0.1:${port}`,
          region: 'us-east-1',
          credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        }),
      },
    });
    const client = await harness.connect();

    // Act
    const result = await callTool(client, 'complete-agentforce-conversation', {
      client_email: 'd@example.com',
      message: 'Hi',
    });

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/session store is unavailable/);
    expect(harness.simulator.counters.sessionsStarted).toBe(0);
  });
});
