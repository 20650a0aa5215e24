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

  it('rides out two 429s, waiting the Retry-After before each retry, and starts one session', async () => {
    // Prepare: the simulator's access log says when each start request was answered, and how.
    const starts: { status: string; at: number }[] = [];
    harness = await startHarness({
      simulator: {
        log: (line) => {
          const [method, path, status] = line.split(' ');
          if (method === 'POST' && path?.endsWith('/sessions') && status !== undefined) {
            starts.push({ status, at: performance.now() });
          }
        },
      },
    });
    const client = await harness.connect();
    harness.simulator.injectFault({ route: 'start', status: 429, times: 2, retryAfterSeconds: 1 });

    // Act
    const result = await callTool(client, 'create-agent-session', {
      client_email: 'c@example.com',
    });

    // Assess
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ session_id: expect.any(String) });
    expect(starts.map(({ status }) => status)).toEqual(['429', '429', '200']);
    const gaps = starts.slice(1).map(({ at }, i) => at - (starts[i]?.at ?? at));
    // Each retry waited the second Salesforce asked for (a timer may fire a millisecond early).
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(995);
    expect(harness.simulator.counters.sessionsStarted).toBe(1);
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
